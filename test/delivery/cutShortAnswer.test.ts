/**
 * A receiver whose connection breaks after it sent its status line: the status is its answer.
 * Raw `node:net` servers, so the bytes on the wire are exactly the ones written here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createHarness, drain, type Harness } from './harness.ts';
import { appendEvent, attempts, delivery, deliveries, insertJob } from './fixtures.ts';

type Answer = (socket: Socket) => void;

interface RawReceiver {
  url: string;
  /** Requests received whole (head and body). */
  requests: number;
  close(): Promise<void>;
}

/** Reads each request whole (by its content-length), then lets `answer` do as it likes with the socket. */
async function startRawReceiver(answer: Answer): Promise<RawReceiver> {
  const sockets = new Set<Socket>();
  const receiver = { url: '', requests: 0, close: async () => {} };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      const headEnd = buffered.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const length = Number(/content-length:\s*(\d+)/i.exec(buffered.subarray(0, headEnd).toString('latin1'))?.[1] ?? 0);
      if (buffered.length < headEnd + 4 + length) return;
      buffered = Buffer.alloc(0);
      receiver.requests++;
      answer(socket);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receiver.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return receiver;
}

const HEAD_200_OF_100 = 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nab';
/** Writes, then closes once the bytes are on their way (destroy() right away could drop them). */
const writeThen = (text: string, end: (s: Socket) => void): Answer => (s) => void s.write(text, () => end(s));

let h: Harness;
let receiver: RawReceiver;
afterEach(async () => {
  await receiver.close();
  await h.cleanup();
});

async function setup(answer: Answer, options: Parameters<typeof createHarness>[0] = {}): Promise<string> {
  h = createHarness(options);
  receiver = await startRawReceiver(answer);
  const job = insertJob(h.db, h.tenantId, receiver.url, h.clock.now());
  appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence: 1, callbackUrl: receiver.url }, h.clock.now());
  return deliveries(h.db)[0]!.id;
}

describe('an answer cut short', () => {
  it.each([
    ['closed', (s: Socket) => s.destroy()],
    ['reset', (s: Socket) => s.resetAndDestroy()],
  ])('a 200 whose body is %s midway is delivered, the attempt notes it, nothing is retried', async (_how, end) => {
    const id = await setup(writeThen(HEAD_200_OF_100, end));
    await drain(h);
    expect(delivery(h.db, id)).toMatchObject({ status: 'delivered', attempt_count: 1, last_status_code: 200, last_error: null, next_attempt_at: null });
    const [attempt, ...more] = attempts(h.db, id);
    expect(more).toEqual([]);
    expect(attempt).toMatchObject({ status_code: 200, response_body: null });
    expect(attempt!.error).toMatch(/^answer cut short after the status line: connection reset/);
    h.clock.advance(3_600_000);
    await drain(h);
    expect(receiver.requests).toBe(1);
  });

  it('a 200 whose body is still arriving at the deadline is a timeout, retried', async () => {
    const id = await setup((s) => void s.write(HEAD_200_OF_100), { options: { timeoutMs: 200 } });
    await drain(h);
    expect(delivery(h.db, id)).toMatchObject({ status: 'failed', last_status_code: null, last_error: 'timed out' });
  });

  it('a 500 cut short is retried as a 500, with the note', async () => {
    const id = await setup(writeThen('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 100\r\n\r\nab', (s) => s.destroy()));
    await drain(h);
    expect(delivery(h.db, id)).toMatchObject({ status: 'failed', last_status_code: 500 });
    expect(delivery(h.db, id).last_error).toMatch(/^HTTP 500; answer cut short after the status line: connection reset/);
  });

  it.each([
    ['reset', (s: Socket) => s.resetAndDestroy()],
    ['closed', (s: Socket) => s.destroy()],
  ])('a connection %s before any status line is a failed attempt, retried', async (_how, end) => {
    const id = await setup(end);
    await drain(h);
    expect(delivery(h.db, id)).toMatchObject({ status: 'failed', attempt_count: 1, last_status_code: null });
    expect(delivery(h.db, id).last_error).toMatch(/^connection reset/);
    expect(attempts(h.db, id)[0]).toMatchObject({ status_code: null });
  });

  it('a status line cut off before its headers end is no answer', async () => {
    const id = await setup(writeThen('HTTP/1.1 200 OK\r\nContent-Len', (s) => s.destroy()));
    await drain(h);
    expect(delivery(h.db, id)).toMatchObject({ status: 'failed', last_status_code: null });
  });
});
