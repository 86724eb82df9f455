import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startService, type Service } from '../../src/runtime/node/service.ts';
import { nullLogger } from '../../src/core/logger.ts';

// Through the real Node runtime (startService), where resets happened: a client still sending
// when the server answered and closed saw "other side closed" instead of the answer.
let service: Service;
let dir: string;
let apiKey: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-oversized-'));
  let banner = '';
  service = await startService({
    env: { POLLHOOK_DB_PATH: join(dir, 'p.db'), PORT: '0', POLLHOOK_HOST: '127.0.0.1', POLLHOOK_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') },
    logger: nullLogger,
    announce: (t) => (banner = t),
  });
  apiKey = /API key:\s+(\S+)/.exec(banner)![1]!;
});

afterAll(async () => {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

const RUNS = 50;
const big = JSON.stringify({ provider: 'fotolabs', externalId: 'x', metadata: { blob: 'x'.repeat(200_000) } });

type Outcome = { status: number; type?: string; contentType: string | null; requestId?: string } | { error: string };

async function viaFetch(headers: Record<string, string>, body?: string): Promise<Outcome> {
  try {
    const res = await fetch(`${service.url}/v1/jobs`, { method: 'POST', headers, body });
    const p = (await res.json()) as { type?: string; requestId?: string };
    return { status: res.status, type: p.type, contentType: res.headers.get('content-type'), requestId: p.requestId };
  } catch (err) {
    return { error: String((err as { cause?: Error }).cause?.message ?? err) };
  }
}

async function viaUndici(headers: Record<string, string>, body?: string): Promise<Outcome> {
  try {
    const res = await request(`${service.url}/v1/jobs`, { method: 'POST', headers, body });
    const p = (await res.body.json()) as { type?: string; requestId?: string };
    return { status: res.statusCode, type: p.type, contentType: String(res.headers['content-type']), requestId: p.requestId };
  } catch (err) {
    return { error: String((err as Error).message) };
  }
}

async function repeat(send: () => Promise<Outcome>): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (let i = 0; i < RUNS; i++) out.push(await send());
  return out;
}

const problem = (status: number, kind: string) => ({
  status,
  type: `https://pollhook.dev/problems/${kind}`,
  contentType: 'application/problem+json',
  requestId: expect.any(String),
});

describe('oversized requests get their answer, not a reset', () => {
  const json = () => ({ authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' });

  test(`a 200 KB body: ${RUNS} fetches, all 413 problem+json`, async () => {
    const outcomes = await repeat(() => viaFetch(json(), big));
    expect(outcomes).toEqual(Array(RUNS).fill(problem(413, 'payload-too-large')));
  });

  test(`a 200 KB body: ${RUNS} undici requests, all 413 problem+json`, async () => {
    const outcomes = await repeat(() => viaUndici(json(), big));
    expect(outcomes).toEqual(Array(RUNS).fill(problem(413, 'payload-too-large')));
  });

  test('a 200 KB body without a key: 413 before 401, and a 60 KB one is read before the 401', async () => {
    expect(await viaFetch({ 'content-type': 'application/json' }, big)).toEqual(problem(413, 'payload-too-large'));
    const outcomes = await repeat(() => viaUndici({ 'content-type': 'application/json' }, 'x'.repeat(60_000)));
    expect(outcomes).toEqual(Array(RUNS).fill(problem(401, 'unauthorized')));
  });

  test('a body past the drain bound still gets a 413 or a closed connection, and the server stays up', async () => {
    const huge = 'x'.repeat(6 * 1024 * 1024);
    const outcome = await viaUndici(json(), huge);
    if ('status' in outcome) expect(outcome.status).toBe(413);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });

  test(`headers over 16 KiB: ${RUNS} fetches and ${RUNS} undici requests, all 431 problem+json with a requestId`, async () => {
    const headers = { ...json(), 'x-filler': 'y'.repeat(40_000) };
    const fromFetch = await repeat(() => viaFetch(headers, '{"a":1}'));
    const fromUndici = await repeat(() => viaUndici(headers, '{"a":1}'));
    expect(fromFetch).toEqual(Array(RUNS).fill(problem(431, 'headers-too-large')));
    expect(fromUndici).toEqual(Array(RUNS).fill(problem(431, 'headers-too-large')));
  });

  test('nothing was written by any of them', () => {
    expect(service.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM jobs').get()!.n).toBe(0);
  });
});
