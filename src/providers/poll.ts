/**
 * One upstream poll, end to end: build the request, send it through the HttpClient port, and
 * turn whatever happens into a PollOutcome. Never throws: every failure is classified.
 */
import { HttpError, type HttpClient, type HttpResponse } from '../net/httpClient.ts';
import type { PollOutcome, Validators } from '../core/types.ts';
import type { BatchPolling, PollTarget, Provider, ProviderCredentials, ProviderRequest } from './types.ts';
import { failure, type FailureOutcome } from './common.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface PollOptions {
  timeoutMs: number;
  now: number;
  maxBodyBytes?: number;
}

export async function pollOnce(
  http: HttpClient,
  provider: Provider,
  target: PollTarget,
  baseUrl: string,
  opts: PollOptions,
): Promise<PollOutcome> {
  let request: ProviderRequest;
  try {
    request = provider.buildRequest(target, baseUrl);
  } catch (err) {
    return failure({ kind: 'malformed', message: `cannot build the request: ${(err as Error).message}` });
  }
  const { etag, lastModified } = target.validators;
  let headers = request.headers;
  if (etag || lastModified) {
    headers = { ...headers };
    if (etag) headers['if-none-match'] = etag;
    if (lastModified) headers['if-modified-since'] = lastModified;
  }

  // The request inline rather than through send(): one async frame less on every poll.
  let res: HttpResponse;
  try {
    res = await http.request({ method: 'GET', url: request.url, headers, timeoutMs: opts.timeoutMs, maxBodyBytes: maxBytes(opts) });
  } catch (err) {
    return sendFailure(err);
  }
  if (res.status === 304) return { kind: 'not_modified' };
  if (res.truncated && res.status >= 200 && res.status < 300) {
    return failure({ kind: 'malformed', status: res.status, message: `response body exceeds ${maxBytes(opts)} bytes` });
  }
  let outcome: PollOutcome;
  try {
    outcome = provider.parseResponse(res, target, opts.now);
  } catch (err) {
    outcome = failure({ kind: 'malformed', status: res.status, message: `cannot read the response: ${(err as Error).message}` });
  }
  if (outcome.kind !== 'observed') return outcome;
  outcome.httpStatus = res.status;
  const validators = validatorsOf(res);
  return validators ? { ...outcome, validators } : outcome;
}

export type ListPage = ReturnType<BatchPolling['parsePage']>;

/**
 * One page of a provider's status list (topaz `GET /status?paginated=true`). Never throws.
 * The scheduler decides which pages to walk and what to do with what it sees.
 */
export async function fetchListPage(
  http: HttpClient,
  provider: Provider,
  credentials: ProviderCredentials,
  baseUrl: string,
  cursor: string | null,
  opts: PollOptions,
): Promise<ListPage> {
  const batch = provider.batch;
  if (!batch) throw new Error(`${provider.name} has no batch polling`);
  const sent = await send(http, batch.buildPageRequest(credentials, baseUrl, cursor), opts);
  if (!sent.ok) return { kind: 'failure', outcome: sent.outcome };
  if (sent.res.truncated) {
    return { kind: 'failure', outcome: failure({ kind: 'malformed', status: sent.res.status, message: `list page exceeds ${maxBytes(opts)} bytes` }) };
  }
  try {
    return batch.parsePage(sent.res, opts.now);
  } catch (err) {
    return { kind: 'failure', outcome: failure({ kind: 'malformed', status: sent.res.status, message: (err as Error).message }) };
  }
}

const maxBytes = (opts: PollOptions): number => opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

async function send(
  http: HttpClient,
  request: ProviderRequest,
  opts: PollOptions,
): Promise<{ ok: true; res: HttpResponse } | { ok: false; outcome: FailureOutcome }> {
  try {
    const res = await http.request({
      method: 'GET',
      url: request.url,
      headers: request.headers,
      timeoutMs: opts.timeoutMs,
      maxBodyBytes: maxBytes(opts),
    });
    return { ok: true, res };
  } catch (err) {
    return { ok: false, outcome: sendFailure(err) };
  }
}

/** A request that got no HTTP answer is transient, and says why. */
function sendFailure(err: unknown): FailureOutcome {
  if (err instanceof HttpError) {
    const message = err.code === 'blocked' ? `blocked by the SSRF guard: ${err.message}` : `${err.code}: ${err.message}`;
    return failure({ kind: 'transient', message });
  }
  return failure({ kind: 'transient', message: `request failed: ${(err as Error)?.message ?? String(err)}` });
}

function validatorsOf(res: HttpResponse): Validators | null {
  const etag = res.headers['etag'] ?? null;
  const lastModified = res.headers['last-modified'] ?? null;
  if (!etag && !lastModified) return null;
  return { etag, lastModified };
}
