import { STATUS_CODES, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { PROBLEM_BASE } from '../../http/problem.ts';
import type { Logger } from '../../core/logger.ts';

/** Node's own rejections, before a request reaches the app, mapped to problem types. */
const NODE_REJECTIONS: Record<string, { status: number; kind: string; title: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    kind: 'headers-too-large',
    title: 'Request headers are too large',
    detail: 'The request line and headers exceed the server limit (16 KiB).',
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, kind: 'request-timeout', title: 'Request timeout', detail: 'The request was not received in time.' },
};
const MALFORMED = { status: 400, kind: 'bad-request', title: 'Bad request', detail: 'The request is not valid HTTP.' };

/** After answering, what the client may still send is read and dropped for this long / this much. */
const LINGER_MS = 2_000;
const LINGER_BYTES = 4 * 1024 * 1024;

/**
 * Requests Node itself refuses (headers over its limit, malformed HTTP) never reach the app, so
 * Node would answer them with a bare status line. The contract says every error is
 * `application/problem+json`: answer those in that form too, with a request id like every other
 * answer, then close the connection gracefully.
 */
export function answerClientErrorsAsProblems(server: Pick<Server, 'on'>, logger?: Logger): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const p = NODE_REJECTIONS[err.code ?? ''] ?? MALFORMED;
    const requestId = randomUUID();
    logger?.info({ requestId, status: p.status, code: err.code }, 'request rejected before routing');
    const body = JSON.stringify({ type: PROBLEM_BASE + p.kind, title: p.title, status: p.status, detail: p.detail, requestId });
    socket.end(
      `HTTP/1.1 ${p.status} ${STATUS_CODES[p.status]}\r\n` +
        'content-type: application/problem+json\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\n` +
        'connection: close\r\n\r\n' +
        body,
    );
    linger(socket);
  });
}

/**
 * The client is usually still sending (the rest of its headers, its body). Closing a socket with
 * unread data sends a reset, and the client may lose the answer it had already received; so keep
 * reading and dropping, bounded, until the client closes its side.
 */
function linger(socket: Duplex): void {
  let bytes = 0;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > LINGER_BYTES) socket.destroy();
  });
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearTimeout(timer));
  socket.on('error', () => socket.destroy());
  socket.resume();
}
