import { afterEach, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeHttpClient } from '../../src/runtime/node/httpClient.ts';
import { HttpError } from '../../src/net/httpClient.ts';

let server: Server | null = null;
afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(null));
  server = null;
});

// OpenSSL's own text ("80FC...:error:0A00010B:SSL routines:ssl3_get_record:...") was what a
// receiver's owner saw in the attempt log.
it('an https URL to a port that speaks plain http fails with a readable TLS error', async () => {
  server = createServer((_req, res) => res.end('plain'));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const client = createNodeHttpClient({ ssrf: { allowPrivate: true, allowHttp: true } });
  try {
    const err = await client
      .request({ method: 'POST', url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, headers: {}, body: '{}', timeoutMs: 5_000, maxBodyBytes: 1024 })
      .then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).code).toBe('connect');
    expect((err as HttpError).message).toBe('TLS failed (ERR_SSL_WRONG_VERSION_NUMBER): the port does not speak TLS (an http:// server behind an https:// URL?)');
  } finally {
    await client.close();
  }
});
