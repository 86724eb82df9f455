/** The Workers HTTP client inside workerd keeps the Node client's caps. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { buildWorker, startLocalWorker, type LocalWorker } from '../../src/runtime/workers/local/miniflare.ts';

let worker: LocalWorker;
let server: Server;
let base = '';
const hits: string[] = [];
/** Raw bytes: a 200 whose body breaks off (/cut), a reset before any answer (/reset). */
let raw: NetServer;
let rawBase = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/big') return void res.writeHead(200).end('x'.repeat(100_000));
    if (req.url === '/slow') return void setTimeout(() => res.writeHead(200).end('late'), 3_000);
    if (req.url === '/redirect') return void res.writeHead(302, { location: '/target' }).end();
    if (req.url === '/fail') return void res.writeHead(500).end('{"error":"boom"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  raw = createNetServer((socket: Socket) => {
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      if (head.startsWith('GET /cut ')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nab', () => socket.destroy());
      else socket.resetAndDestroy();
    });
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  rawBase = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
  const script = await buildWorker(join(import.meta.dirname, 'fixtures/wrangler.store.toml'));
  worker = await startLocalWorker({ scriptPath: script, vars: {}, durableObjects: { CASES: 'StoreCaseObject' } });
}, 60_000);
afterAll(async () => {
  await worker?.close();
  server?.closeAllConnections();
  await new Promise<void>((r) => server?.close(() => r()));
  await new Promise<void>((r) => (raw ? raw.close(() => r()) : r()));
});

const request = async (path: string, over: Record<string, unknown> = {}) =>
  (await worker.dispatch('/http', { method: 'POST', body: JSON.stringify({ url: `${base}${path}`, timeoutMs: 1_000, maxBodyBytes: 10_000, allowPrivate: true, ...over }) })).json();

describe('fetch client on workerd', () => {
  it('answers with status and body, the body cut at the cap', async () => {
    expect(await request('/ok')).toEqual({ status: 200, bodyLength: 11, truncated: false, location: null });
    expect(await request('/big')).toEqual({ status: 200, bodyLength: 10_000, truncated: true, location: null });
    expect(await request('/fail')).toMatchObject({ status: 500, truncated: false });
  });

  it('does not follow redirects', async () => {
    expect(await request('/redirect')).toEqual({ status: 302, bodyLength: 0, truncated: false, location: '/target' });
    expect(hits).not.toContain('/target');
  });

  it('gives up at the deadline', async () => {
    expect(await request('/slow', { timeoutMs: 300 })).toEqual({ error: 'timeout' });
  });

  it('a body cut short keeps the status that arrived; a reset before it has none', async () => {
    expect(await request('', { url: `${rawBase}/cut` })).toMatchObject({ error: 'reset', answered: 200 });
    expect(await request('', { url: `${rawBase}/reset` })).toEqual({ error: 'reset' });
  });

  it('refuses private addresses unless allowed or an operator origin', async () => {
    expect(await request('/ok', { allowPrivate: false })).toEqual({ error: 'blocked' });
    expect(await request('/ok', { allowPrivate: false, trusted: [base] })).toMatchObject({ status: 200 });
  });
});
