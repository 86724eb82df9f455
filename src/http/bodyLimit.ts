import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps.ts';

/** How much of an unwanted body is read and thrown away before answering, at most. */
export interface DrainBounds {
  maxBytes: number;
  maxMs: number;
}

export const DEFAULT_DRAIN: DrainBounds = { maxBytes: 4 * 1024 * 1024, maxMs: 5_000 };

/**
 * The body-size limit, and the rule that a request body is off the wire before the answer goes.
 *
 * A server that answers (413, 401, ...) while the client is still sending and then closes makes
 * the client's TCP stack see a reset, which often discards the answer it had already received:
 * Node's fetch then reports "other side closed" instead of the 413. So an oversized or unread
 * body is read and discarded first, within `drain` bounds; past them the connection is closed
 * (`connection: close`), the only thing left to do with a client sending gigabytes.
 * Runtime-neutral: only the Fetch API's streams.
 */
export function limitBody(
  maxBytes: number,
  onTooLarge: (c: Context<AppEnv>) => Response | Promise<Response>,
  drain: DrainBounds = DEFAULT_DRAIN,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body) return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && !c.req.header('transfer-encoding')) {
      const length = Number(declared);
      // Too big to drain: reading part of it would not save the answer, so answer and close now.
      if (length > drain.maxBytes) return closeAfter(await onTooLarge(c));
      if (length > maxBytes) return answerAfterDrain(c, raw.body.getReader(), drain, onTooLarge);
      await next();
    } else {
      const reader = raw.body.getReader();
      const buffered = await readUpTo(reader, maxBytes);
      if (buffered === null) return answerAfterDrain(c, reader, drain, onTooLarge);
      c.req.raw = new Request(raw, { body: buffered });
      await next();
    }
    // A handler that answered without reading (401, 404, 405...): same rule.
    const current = c.req.raw;
    if (current.body && !current.bodyUsed && !current.body.locked) {
      const complete = await discard(current.body.getReader(), drain);
      if (!complete) closeAfter(c.res);
    }
  };
}

async function answerAfterDrain(
  c: Context<AppEnv>,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  drain: DrainBounds,
  answer: (c: Context<AppEnv>) => Response | Promise<Response>,
): Promise<Response> {
  const complete = await discard(reader, drain);
  const res = await answer(c);
  if (!complete) closeAfter(res);
  return res;
}

function closeAfter(res: Response): Response {
  try {
    res.headers.set('connection', 'close');
  } catch {
    // immutable headers (a proxied response): the runtime closes as it sees fit
  }
  return res;
}

/** The whole body when it fits in `maxBytes`, else null (the reader is left mid-stream). */
async function readUpTo(reader: ReadableStreamDefaultReader<Uint8Array>, maxBytes: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) return null;
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Reads and drops the rest of a body; true when it ended within the bounds. */
async function discard(reader: ReadableStreamDefaultReader<Uint8Array>, bounds: DrainBounds): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), bounds.maxMs);
  });
  const read = (async () => {
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return true;
        size += value.byteLength;
        if (size > bounds.maxBytes) return false;
      }
    } catch {
      return false;
    }
  })();
  const complete = await Promise.race([read, timedOut]);
  clearTimeout(timer);
  // Not cancelled when incomplete: in Node that destroys the socket before the answer is written.
  return complete;
}
