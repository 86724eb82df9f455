import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * RFC 9457 problem details. Every error the API answers has this shape; `type` is one of the
 * URIs below, so clients can switch on it rather than on the title.
 */
export const PROBLEM_BASE = 'https://pollhook.dev/problems/';

export const PROBLEMS = {
  validation: { status: 422, title: 'The request is invalid' },
  'invalid-json': { status: 400, title: 'The request body is not valid JSON' },
  'bad-request': { status: 400, title: 'Bad request' },
  unauthorized: { status: 401, title: 'Authentication required' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  'not-implemented': { status: 501, title: 'Not implemented' },
  unavailable: { status: 503, title: 'Service unavailable' },
  internal: { status: 500, title: 'Internal server error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemKind = keyof typeof PROBLEMS;

export interface FieldError {
  /** JSON path of the offending field: `http.statusPath`, `events[1]`; '' for the body itself. */
  path: string;
  message: string;
  /** Set only when the field is a request header (`path` is then the header's name). */
  in?: 'header';
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  requestId?: string;
}

/** Thrown anywhere in a handler; the app's onError turns it into the response. */
export class ProblemError extends Error {
  override name = 'ProblemError';
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
  }
}

export const notFound = (what = 'resource'): ProblemError => new ProblemError('not-found', `No such ${what}.`);
export const invalid = (errors: FieldError[], detail?: string): ProblemError =>
  new ProblemError('validation', detail ?? describeErrors(errors), errors);
export const conflict = (detail: string): ProblemError => new ProblemError('conflict', detail);

export function describeErrors(errors: FieldError[]): string {
  const first = errors[0];
  if (!first) return 'The request is invalid.';
  const where = first.path === '' ? 'body' : first.path;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${where}: ${first.message}${more}`;
}

export function problemBody(kind: ProblemKind, detail: string, errors?: FieldError[], requestId?: string): Problem {
  const p = PROBLEMS[kind];
  return {
    type: PROBLEM_BASE + kind,
    title: p.title,
    status: p.status,
    detail,
    ...(errors ? { errors } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

export function problemResponse(
  c: Context,
  kind: ProblemKind,
  detail: string,
  errors?: FieldError[],
  headers?: Record<string, string>,
): Response {
  const requestId = c.get('requestId') as string | undefined;
  const body = problemBody(kind, detail, errors, requestId);
  return c.body(JSON.stringify(body), PROBLEMS[kind].status as ContentfulStatusCode, {
    ...headers,
    'content-type': 'application/problem+json',
  });
}
