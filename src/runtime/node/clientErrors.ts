import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_BASE } from '../../http/problem.ts';

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

/**
 * Requests Node itself refuses (headers over its limit, malformed HTTP) never reach the app, so
 * Node would answer them with a bare status line. The contract says every error is
 * `application/problem+json`: answer those in that form too, then close the connection.
 */
export function answerClientErrorsAsProblems(server: Pick<Server, 'on'>): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const p = NODE_REJECTIONS[err.code ?? ''] ?? MALFORMED;
    const body = JSON.stringify({ type: PROBLEM_BASE + p.kind, title: p.title, status: p.status, detail: p.detail });
    socket.end(
      `HTTP/1.1 ${p.status} ${STATUS_CODES[p.status]}\r\n` +
        'content-type: application/problem+json\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'connection: close\r\n\r\n' +
        body,
    );
  });
}
