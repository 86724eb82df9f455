/**
 * The outbound HTTP port used by the polling and delivery engines. Node implements it with undici
 * (src/runtime/node/httpClient.ts), Workers with fetch. Redirects are never followed.
 */
export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Total time for connect, headers and body. */
  timeoutMs: number;
  /** Bytes of the body to keep; the rest is discarded and `truncated` is set. */
  maxBodyBytes: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
  truncated: boolean;
}

export type HttpErrorCode = 'timeout' | 'connect' | 'reset' | 'blocked' | 'other';

/** The status line and headers of an answer whose body then failed to arrive whole. */
export interface AnswerHead {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
}

/**
 * A request that got no complete HTTP answer. `answered` is set when the status line and headers
 * did arrive and the peer then broke off the body (closed, reset, malformed): a webhook
 * receiver's status is its acknowledgement, while a poll still needs the body. A body still
 * arriving at the deadline is a plain timeout: that answer did not finish in time.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    readonly answered: AnswerHead | null = null,
  ) {
    super(message);
  }
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
  /** Closes idle connections; requests still in flight after a short grace are aborted. */
  close(): Promise<void>;
}
