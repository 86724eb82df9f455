/**
 * One upstream poll, end to end: build the request, send it through the HttpClient port, and
 * turn whatever happens into a PollOutcome. Never throws: every failure is classified.
 */
import { HttpError, type HttpClient, type HttpResponse } from '../net/httpClient.ts';
import type { PollOutcome, Validators } from '../core/types.ts';
import type { PollTarget, Provider, ProviderCredentials, ProviderRequest } from './types.ts';
import { failure, type FailureOutcome } from './common.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** A safety cap on a batch list walk, so a misbehaving cursor cannot loop forever. */
export const MAX_BATCH_PAGES = 50;

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
  const headers = { ...request.headers };
  if (target.validators.etag) headers['if-none-match'] = target.validators.etag;
  if (target.validators.lastModified) headers['if-modified-since'] = target.validators.lastModified;

  const sent = await send(http, { ...request, headers }, opts);
  if (!sent.ok) return sent.outcome;
  const res = sent.res;
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
  const validators = validatorsOf(res);
  return validators ? { ...outcome, validators } : outcome;
}

export interface BatchWalk {
  outcomes: Map<string, PollOutcome>;
  requests: number;
  failure: FailureOutcome | null;
}

/**
 * Walks a provider's status list until every wanted id is found or the list ends. Ids not found
 * have no outcome: the caller polls them one by one (they may be older than the list keeps).
 */
export async function walkBatch(
  http: HttpClient,
  provider: Provider,
  credentials: ProviderCredentials,
  baseUrl: string,
  wanted: ReadonlySet<string>,
  opts: PollOptions & { maxPages?: number },
): Promise<BatchWalk> {
  const outcomes = new Map<string, PollOutcome>();
  const batch = provider.batch;
  if (!batch) throw new Error(`${provider.name} has no batch polling`);
  let cursor: string | null = null;
  let requests = 0;
  const maxPages = opts.maxPages ?? MAX_BATCH_PAGES;
  while (requests < maxPages && outcomes.size < wanted.size) {
    const sent = await send(http, batch.buildPageRequest(credentials, baseUrl, cursor), opts);
    requests++;
    if (!sent.ok) return { outcomes, requests, failure: sent.outcome };
    if (sent.res.truncated) {
      return { outcomes, requests, failure: failure({ kind: 'malformed', status: sent.res.status, message: `list page exceeds ${maxBytes(opts)} bytes` }) };
    }
    let page: ReturnType<typeof batch.parsePage>;
    try {
      page = batch.parsePage(sent.res, opts.now);
    } catch (err) {
      page = { kind: 'failure', outcome: failure({ kind: 'malformed', status: sent.res.status, message: (err as Error).message }) };
    }
    if (page.kind === 'failure') return { outcomes, requests, failure: page.outcome };
    for (const item of page.items) if (wanted.has(item.externalId)) outcomes.set(item.externalId, item.outcome);
    if (!page.nextCursor || page.nextCursor === cursor) break;
    cursor = page.nextCursor;
  }
  return { outcomes, requests, failure: null };
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
    if (err instanceof HttpError) {
      const message = err.code === 'blocked' ? `blocked by the SSRF guard: ${err.message}` : `${err.code}: ${err.message}`;
      return { ok: false, outcome: failure({ kind: 'transient', message }) };
    }
    return { ok: false, outcome: failure({ kind: 'transient', message: `request failed: ${(err as Error)?.message ?? String(err)}` }) };
  }
}

function validatorsOf(res: HttpResponse): Validators | null {
  const etag = res.headers['etag'] ?? null;
  const lastModified = res.headers['last-modified'] ?? null;
  if (!etag && !lastModified) return null;
  return { etag, lastModified };
}
