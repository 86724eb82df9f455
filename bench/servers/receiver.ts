/**
 * The loopback webhook receiver: a minimal node:http server in its own process, answering 204
 * to every POST. With `record: true` it keeps each accepted request's arrival time, path and
 * body for the latency measurements (parsed only when asked, so recording stays cheap).
 * Failing endpoints for the isolation measurement: a path starting with `/fail` is answered 500
 * at once, one starting with `/hang` is answered 500 after `hangMs` (default 5 s).
 *   GET /_stats   -> { received, failed }
 *   GET /_records -> { records: [{ at, path, body }] }  (and forgets them)
 */
import { createServer } from 'node:http';
import { serveChild } from '../lib/child.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as { record?: boolean; hangMs?: number };
let received = 0;
let failed = 0;
let records: Array<{ at: number; path: string; body: string }> = [];

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    const payload = req.url === '/_records' ? { records } : { received, failed };
    if (req.url === '/_records') records = [];
    const text = JSON.stringify(payload);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    return;
  }
  const at = Date.now();
  const path = req.url ?? '/';
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => {
    if (options.record) chunks.push(c);
  });
  req.on('end', () => {
    if (path.startsWith('/fail') || path.startsWith('/hang')) {
      failed++;
      const fail = () => res.writeHead(500).end();
      if (path.startsWith('/hang')) setTimeout(fail, options.hangMs ?? 5_000).unref();
      else fail();
      return;
    }
    received++;
    if (options.record) records.push({ at, path, body: Buffer.concat(chunks).toString('utf8') });
    res.writeHead(204).end();
  });
});
serveChild(server);
