/**
 * The loopback webhook receiver: a minimal node:http server in its own process, answering 204
 * to every POST. With `record: true` it keeps each request's arrival time and body for the
 * latency measurement (parsed only when asked, so recording stays cheap).
 *   GET /_stats   -> { received }
 *   GET /_records -> { records: [{ at, body }] }  (and forgets them)
 */
import { createServer } from 'node:http';
import { serveChild } from '../lib/child.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as { record?: boolean };
let received = 0;
let records: Array<{ at: number; body: string }> = [];

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    const payload = req.url === '/_records' ? { records } : { received };
    if (req.url === '/_records') records = [];
    const text = JSON.stringify(payload);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    return;
  }
  const at = Date.now();
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => {
    if (options.record) chunks.push(c);
  });
  req.on('end', () => {
    received++;
    if (options.record) records.push({ at, body: Buffer.concat(chunks).toString('utf8') });
    res.writeHead(204).end();
  });
});
serveChild(server);
