import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createNodeHttpClient } from '../../src/runtime/node/httpClient.ts';
import { HttpError } from '../../src/net/httpClient.ts';

let server: Server | null = null;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(null));
  server = null;
});

describe('closing the Node HTTP client', () => {
  // undici's Agent forgets its pools on close(), so the old close-then-destroy left these
  // requests (and their sockets) running until their own timeout.
  it('aborts requests a peer never answers, closes their sockets and resolves, long before their timeout', async () => {
    const sockets = new Set<Socket>();
    let arrived!: () => void;
    const bothArrived = new Promise<void>((r) => (arrived = r));
    let requests = 0;
    server = createServer(() => {
      if (++requests === 2) arrived();
    });
    server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const client = createNodeHttpClient({ ssrf: { allowPrivate: true, allowHttp: true } });
    const send = () => client.request({ method: 'POST', url, headers: {}, body: '{}', timeoutMs: 600_000, maxBodyBytes: 1024 });
    const outcomes = [send(), send()].map((p) => p.then(() => 'answered', (err: unknown) => err));
    await bothArrived;

    await client.close();
    for (const outcome of await Promise.all(outcomes)) {
      expect(outcome).toBeInstanceOf(HttpError);
      expect((outcome as HttpError).code).not.toBe('timeout');
    }
    await expect.poll(() => sockets.size).toBe(0);
  }, 15_000);
});
