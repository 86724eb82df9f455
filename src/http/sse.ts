import type { StreamHub } from './streamHub.ts';

/** One event for the stream: its cursor (the SSE id), its type (the SSE event name) and its JSON. */
export interface StreamItem {
  cursor: number;
  type: string;
  data: string;
}

export interface StreamSource {
  /**
   * The next events after the cursor, oldest first, at most `limit`; `scannedTo` is a cursor up
   * to which nothing else matches (so a selective filter does not rescan skipped events).
   */
  read(after: number, limit: number): { items: StreamItem[]; scannedTo: number };
}

export interface EventStreamOptions {
  hub: StreamHub;
  tenantId: string;
  source: StreamSource;
  after: number;
  /** Tears the connection down when a client stops reading (Node: destroys the socket). */
  abortConnection?: () => void;
}

const PAGE = 100;
const encoder = new TextEncoder();

/**
 * A Server-Sent Events body that follows the tenant's feed from `after`: the backlog first, then
 * whatever is committed, each event once, in feed order. It reads the database only while the
 * client takes what it was sent, so memory per stream is bounded by the hub's `bufferBytes`
 * plus one page; a client that leaves the buffer full for `stallMs` is disconnected.
 * Returns 'full' when the tenant already has its maximum of streams, 'closed' during shutdown.
 */
export function eventStream(options: EventStreamOptions): ReadableStream<Uint8Array> | 'full' | 'closed' {
  const { hub, source } = options;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cursor = options.after;
  let dirty = true;
  let running = false;
  let finished = false;
  let spaceWaiter: (() => void) | null = null;
  let stallTimer: ReturnType<typeof setTimeout> | null = null;
  let heartbeat: ReturnType<typeof setInterval> | null = null;

  const connection = { wake: () => void pump(), close: () => shutdown() };
  const joined = hub.join(options.tenantId, connection);
  if (!joined.ok) return joined.reason;

  const finish = () => {
    if (finished) return;
    finished = true;
    joined.leave();
    if (heartbeat) clearInterval(heartbeat);
    if (stallTimer) clearTimeout(stallTimer);
    spaceWaiter?.();
  };
  const send = (text: string) => {
    if (!finished) controller.enqueue(encoder.encode(text));
  };
  const disconnect = () => {
    finish();
    if (options.abortConnection) return options.abortConnection();
    try {
      controller.error(new Error('the client stopped reading'));
    } catch {
      // already closed
    }
  };
  const shutdown = () => {
    if (finished) return;
    finish();
    try {
      controller.enqueue(encoder.encode(': server shutting down\n\n'));
      controller.close();
    } catch {
      // already closed
    }
    // A client that is not reading would hold the server open; let the others take the last bytes.
    if (options.abortConnection) setTimeout(options.abortConnection, 1000);
  };
  const waitForSpace = () =>
    new Promise<void>((resolve) => {
      spaceWaiter = resolve;
      stallTimer = setTimeout(disconnect, hub.stallMs);
    });

  async function pump(): Promise<void> {
    dirty = true;
    if (running) return;
    running = true;
    try {
      while (dirty && !finished) {
        dirty = false;
        for (;;) {
          while (!finished && (controller.desiredSize ?? 0) <= 0) await waitForSpace();
          if (finished) return;
          const { items, scannedTo } = source.read(cursor, PAGE);
          for (const item of items) {
            send(`id: ${item.cursor}\nevent: ${item.type}\ndata: ${item.data}\n\n`);
            cursor = item.cursor;
          }
          if (items.length < PAGE) {
            cursor = Math.max(cursor, scannedTo);
            break;
          }
        }
      }
    } catch (err) {
      finish();
      try {
        controller.error(err);
      } catch {
        // already closed
      }
    } finally {
      running = false;
    }
  }

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        send(': connected\nretry: 2000\n\n');
        heartbeat = setInterval(() => {
          if ((controller.desiredSize ?? 0) > 0) send(': ping\n\n');
        }, hub.heartbeatMs);
        void pump();
      },
      pull() {
        if (stallTimer) clearTimeout(stallTimer);
        stallTimer = null;
        const w = spaceWaiter;
        spaceWaiter = null;
        w?.();
      },
      cancel() {
        finish();
      },
    },
    { highWaterMark: hub.bufferBytes, size: (chunk) => chunk.byteLength },
  );
}
