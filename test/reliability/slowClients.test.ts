/**
 * Clients that start a request and then trickle or stop (slowloris) lose their connection once
 * the server's request deadlines pass, with a 408 problem; a long response (the event stream)
 * is not cut by those deadlines. Short deadlines here keep it quick; the product's are 15 s for
 * headers and 30 s for the whole request (Node's own default was 5 minutes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { startStack, type Stack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';
import { DEFAULT_SERVER_TIMEOUTS } from '../../src/runtime/node/listen.ts';

const TIMEOUTS = { headersTimeoutMs: 500, requestTimeoutMs: 1_000 };
/** A held connection fails the test after this long: far below Node's 300 s, well above 1 s. */
const CLOSED_WITHIN_MS = 15_000;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ serverTimeouts: TIMEOUTS });
});
afterAll(async () => {
  await stack?.close();
});

interface RawConnection {
  socket: Socket;
  received(): string;
  closed: Promise<void>;
}

function open(bytes: string): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    let out = '';
    const socket = connect(stack.service.port, '127.0.0.1', () => {
      socket.write(bytes);
      resolve({ socket, received: () => out, closed });
    });
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('error', reject);
  });
}

/** Resolves when the server closed the connection; fails (and destroys it) if it is still open after `ms`. */
async function closedWithin(c: RawConnection, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const held = new Promise<'held'>((r) => (timer = setTimeout(() => r('held'), ms)));
  const outcome = await Promise.race([c.closed.then(() => 'closed' as const), held]);
  clearTimeout(timer);
  c.socket.destroy();
  expect(outcome, `still open after ${ms} ms; got: ${c.received()}`).toBe('closed');
}

const expect408 = (raw: string) => {
  expect(raw).toMatch(/^HTTP\/1\.1 408 /);
  expect(raw.toLowerCase()).toContain('content-type: application/problem+json');
  expect(raw).toContain('/problems/request-timeout');
};

describe('slow clients', () => {
  it('the product defaults are bounded (and headers come first)', () => {
    expect(DEFAULT_SERVER_TIMEOUTS.headersTimeoutMs).toBeLessThanOrEqual(DEFAULT_SERVER_TIMEOUTS.requestTimeoutMs);
    expect(DEFAULT_SERVER_TIMEOUTS.requestTimeoutMs).toBeLessThanOrEqual(60_000);
  });

  it('a body that stops short of its Content-Length: 408 and the connection closed; the event stream opened before lives on', async () => {
    const sse = await open(`GET /v1/events/stream HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${stack.apiKey}\r\naccept: text/event-stream\r\n\r\n`);
    await waitFor(() => sse.received().includes(': connected'), { message: 'the stream to open' });

    const slow = await open(
      `POST /v1/jobs HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${stack.apiKey}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"provider"`,
    );
    await closedWithin(slow, CLOSED_WITHIN_MS);
    expect408(slow.received());

    // Older than the request that was cut, and still delivering events.
    const upstream = stack.sim.createJob({ provider: 'topaz', scenario: 'success' });
    const created = await stack.createJob({ provider: 'topaz', externalId: upstream.id, credentials: { apiKey: upstream.apiKey }, callbackUrl: 'http://127.0.0.1:9/hooks', pollIntervalSeconds: 0.25 });
    expect(created.status, JSON.stringify(created.job)).toBe(201);
    await waitFor(() => sse.received().includes(`"id":"${created.job.id}"`), { message: `an event of the new job on the stream; got: ${sse.received()}` });
    sse.socket.destroy();
  }, 30_000);

  it('headers that never end: 408 and the connection closed', async () => {
    const slow = await open('GET /healthz HTTP/1.1\r\nhost: x\r\nx-slow: ');
    await closedWithin(slow, CLOSED_WITHIN_MS);
    expect408(slow.received());
    expect((await fetch(`${stack.service.url}/healthz`)).status).toBe(200);
  }, 30_000);
});
