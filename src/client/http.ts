/**
 * The client's transport: one authenticated fetch per call, problems turned into
 * PollhookApiError, and cursor pagination. Web-standard APIs only (Node 20, browsers, Workers).
 */
import type * as T from './types.ts';

export interface ClientOptions {
  /** Where pollhook serves, e.g. `https://pollhook.internal:8080` (no `/v1`). */
  baseUrl: string;
  /** A tenant API key (`ph_...`), or the admin token for `tenants.*`. A stream token (`phst_...`) opens only `events.stream`. */
  apiKey: string;
  /** Defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Sent with every request (e.g. `x-request-id`). */
  headers?: Record<string, string>;
}

/** A non-2xx answer from the API. */
export class PollhookApiError extends Error {
  override name = 'PollhookApiError';
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  /** Each invalid field, for 422 answers. */
  readonly errors: T.FieldError[];
  readonly requestId: string | undefined;
  readonly problem: T.Problem;

  constructor(problem: T.Problem) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`);
    this.problem = problem;
    this.status = problem.status;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.requestId = problem.requestId;
  }
}

export type Query = Record<string, string | number | undefined>;
export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface Transport {
  /** A JSON request; the parsed answer (undefined for 204). */
  call<R>(method: Method, path: string, init?: { query?: Query; body?: unknown }): Promise<R>;
  /** A GET whose body the caller reads itself (the event stream). */
  open(path: string, query: Query, headers: Record<string, string>, signal: AbortSignal): Promise<Response>;
}

export function createTransport(options: ClientOptions): Transport {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const headersWith = (extra: Record<string, string>): Record<string, string> => ({ ...extra, ...options.headers, authorization: `Bearer ${options.apiKey}` });

  return {
    async call<R>(method: Method, path: string, init: { query?: Query; body?: unknown } = {}): Promise<R> {
      const headers = headersWith({ accept: 'application/json, application/problem+json' });
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      const res = await doFetch(base + path + queryString(init.query), {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      if (!res.ok) throw new PollhookApiError(await readProblem(res));
      if (res.status === 204) return undefined as R;
      return (await res.json()) as R;
    },
    async open(path, query, headers, signal) {
      const res = await doFetch(base + path + queryString(query), { method: 'GET', headers: headersWith(headers), signal });
      if (!res.ok) throw new PollhookApiError(await readProblem(res));
      return res;
    },
  };
}

/** Follows `nextCursor` until the end; one request per page, made only when needed. */
export async function* paginate<Item, P extends T.PageParams>(list: (params: P) => Promise<T.Page<Item>>, params: P): AsyncGenerator<Item> {
  let cursor = params.cursor;
  do {
    const page = await list({ ...params, cursor });
    yield* page.data;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The problem the API answered, or one made up from whatever answered (a proxy's HTML page). */
async function readProblem(res: Response): Promise<T.Problem> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<T.Problem>;
    if (typeof body === 'object' && body !== null && typeof body.title === 'string') {
      return {
        type: typeof body.type === 'string' ? body.type : 'about:blank',
        title: body.title,
        status: typeof body.status === 'number' ? body.status : res.status,
        detail: typeof body.detail === 'string' ? body.detail : body.title,
        ...(Array.isArray(body.errors) ? { errors: body.errors } : {}),
        ...(typeof body.requestId === 'string' ? { requestId: body.requestId } : {}),
      };
    }
  } catch {
    // not JSON: fall through
  }
  return {
    type: 'about:blank',
    title: res.statusText || `HTTP ${res.status}`,
    status: res.status,
    detail: text.slice(0, 500) || `The server answered ${res.status} without problem details.`,
    ...(res.headers.get('x-request-id') ? { requestId: res.headers.get('x-request-id')! } : {}),
  };
}
