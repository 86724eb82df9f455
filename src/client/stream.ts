/**
 * The live event stream as an async iterator: fetch streaming and an SSE parser, so it runs
 * wherever fetch streams bodies (Node 20, browsers, Workers) and, unlike EventSource, sends the
 * API key in a header. It resumes after the last event it yielded when the connection drops, as
 * EventSource would, and ends quietly when the caller aborts or breaks out of the loop.
 */
import type * as T from './types.ts';
import { PollhookApiError, type Query, type Transport } from './http.ts';
import { SseParser } from './sse.ts';

const STREAM_PATH = '/v1/events/stream';
const DEFAULT_RETRY_MS = 2000;
const MAX_RETRY_MS = 30_000;
const DEFAULT_IDLE_TIMEOUT_MS = 45_000;

export async function* streamEvents(transport: Transport, params: T.EventStreamParams, filter: Query): AsyncGenerator<T.StreamEvent> {
  const { signal, reconnect = true, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS } = params;
  const query: Query = { ...filter, after: params.after, signed: params.signed ? 'true' : undefined };
  let lastEventId = params.lastEventId;
  let serverRetryMs = DEFAULT_RETRY_MS;
  let failures = 0;
  let connected = false;

  while (!signal?.aborted) {
    // One controller per connection: the caller's signal, an idle timeout or leaving the loop abort it.
    const connection = new AbortController();
    const abortConnection = () => connection.abort();
    signal?.addEventListener('abort', abortConnection, { once: true });
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const stopIdleTimer = () => {
      if (idleTimer !== undefined) clearTimeout(idleTimer);
      idleTimer = undefined;
    };
    const armIdleTimer = () => {
      stopIdleTimer();
      if (idleTimeoutMs > 0) idleTimer = setTimeout(abortConnection, idleTimeoutMs);
    };
    let failure: unknown = null;
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
      armIdleTimer();
      const res = await transport.open(STREAM_PATH, query, headers, connection.signal);
      if (!res.body) throw new Error('The event stream answered without a body.');
      connected = true;
      failures = 0;
      const parser = new SseParser(lastEventId);
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const chunk = parser.push(value);
          if (chunk.retryMs !== undefined) serverRetryMs = chunk.retryMs;
          // Time the caller spends on an event is not the server's silence.
          stopIdleTimer();
          for (const message of chunk.events) {
            const event = JSON.parse(message.data) as T.StreamEvent;
            if (message.lastEventId !== '') lastEventId = message.lastEventId;
            yield event;
          }
          armIdleTimer();
        }
      } finally {
        reader.cancel().catch(() => {});
      }
    } catch (err) {
      if (signal?.aborted) return;
      // The first connection reports every failure: a wrong key or filter should not loop.
      if (!connected || !reconnect || !isTransient(err)) throw err;
      failure = err;
    } finally {
      stopIdleTimer();
      signal?.removeEventListener('abort', abortConnection);
      connection.abort();
    }
    if (!reconnect) return;
    if (failure !== null) failures++;
    const base = params.retryMs ?? serverRetryMs;
    await sleep(Math.min(base * 2 ** Math.min(Math.max(failures - 1, 0), 5), Math.max(MAX_RETRY_MS, base)), signal);
  }
}

/** Worth reconnecting: the network, a dropped or idle connection, a full or restarting server. */
function isTransient(err: unknown): boolean {
  if (err instanceof PollhookApiError) return err.status === 429 || (err.status >= 500 && err.status !== 501);
  if (err instanceof SyntaxError) return false; // not JSON: a proxy or a bug, not the network
  return true;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
