/**
 * Requests Node's HTTP server refuses before they reach the app (headers over its limit,
 * malformed HTTP) are answered as problems too, by the Node runtime (startService).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { parseConfig } from '../../src/config.ts';
import { nullLogger } from '../../src/core/logger.ts';
import { startService, type Service } from '../../src/runtime/node/service.ts';

describe('requests Node itself refuses, before the app, are problems too (the Node runtime)', () => {
  let service: Service;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pollhook-hostile-'));
    service = await startService({
      config: { ...parseConfig({}), port: 0, host: '127.0.0.1', dbPath: join(dir, 'p.db'), masterKey: randomBytes(32).toString('base64') },
      logger: nullLogger,
      announce: () => {},
    });
  });
  afterAll(async () => {
    await service?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Writes raw bytes on a fresh connection and returns everything the server sent back. */
  const rawExchange = (bytes: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(service.port, '127.0.0.1', () => socket.end(bytes));
      let out = '';
      socket.on('data', (d) => (out += d.toString('latin1')));
      socket.on('close', () => resolve(out));
      socket.on('error', reject);
    });
  const parse = (raw: string) => {
    const [head, ...rest] = raw.split('\r\n\r\n');
    return { statusLine: head!.split('\r\n')[0], head: head!.toLowerCase(), body: JSON.parse(rest.join('\r\n\r\n')) };
  };

  test.each([
    ['a request line and headers over 16 KiB', `GET /v1/jobs/${'a'.repeat(20_000)} HTTP/1.1\r\nhost: x\r\n\r\n`, 431],
    ['a header over the limit', `GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'b'.repeat(20_000)}\r\n\r\n`, 431],
    ['a request line that is not HTTP', 'GARBAGE \u0000\u0001\r\n\r\n', 400],
    ['a header without a colon', 'GET /healthz HTTP/1.1\r\nhost x\r\n\r\n', 400],
    ['conflicting content-length headers', 'POST /v1/jobs HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n{}', 400],
  ])('%s: %i as application/problem+json', async (_name, bytes, status) => {
    const res = parse(await rawExchange(bytes));
    expect(res.statusLine).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(res.head).toContain('content-type: application/problem+json');
    expect(res.body).toMatchObject({ type: expect.stringMatching(/^https:\/\/pollhook\.dev\/problems\//), title: expect.any(String), status });
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });
});
