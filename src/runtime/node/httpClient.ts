import { Agent, buildConnector, errors as undiciErrors } from 'undici';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { HttpError, type HttpClient, type HttpRequest, type HttpResponse } from '../../net/httpClient.ts';
import { BlockedAddressError, checkAddress, type SsrfPolicy } from '../../security/ssrf.ts';

export interface NodeHttpClientOptions {
  ssrf: SsrfPolicy;
  /** Keep-alive connections per origin. */
  connectionsPerOrigin?: number;
  connectTimeoutMs?: number;
  userAgent?: string;
  /**
   * Origins (`http://127.0.0.1:4010`) exempt from the guard: an operator's
   * POLLHOOK_PROVIDER_<NAME>_BASE_URL may point at a private address; users' URLs may not.
   */
  trustedOrigins?: readonly string[];
  /** Replaces dns.lookup; tests inject rebinding resolvers here. */
  lookup?: typeof dnsLookup;
}

/**
 * undici with a keep-alive pool per origin (Agent keeps one Pool per origin) and the SSRF guard
 * at connect time: every resolved address is checked in the socket's own lookup, so a host that
 * answered a public address at registration cannot rebind to a private one later.
 */
export function createNodeHttpClient(options: NodeHttpClientOptions): HttpClient {
  const baseLookup = options.lookup ?? dnsLookup;
  const guardedLookup = ((hostname: string, opts: any, callback: any) => {
    baseLookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return callback(err);
      const list = addresses as unknown as LookupAddress[];
      for (const a of list) {
        const check = checkAddress(a.address, options.ssrf);
        if (!check.ok) return callback(new BlockedAddressError(`connection to ${hostname} refused: ${check.reason}`));
      }
      if (opts?.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`no address for ${hostname}`));
      callback(null, first.address, first.family);
    });
  }) as typeof dnsLookup;

  const connector = buildConnector({ timeout: options.connectTimeoutMs ?? 10_000, lookup: guardedLookup } as any);
  const plainConnector = buildConnector({ timeout: options.connectTimeoutMs ?? 10_000 });
  const trusted = new Set((options.trustedOrigins ?? []).map((o) => new URL(o).origin));
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 32,
    keepAliveTimeout: 30_000,
    pipelining: 1,
    connect: (opts, callback) => {
      if (trusted.has(originOf(opts))) {
        plainConnector(opts, callback);
        return;
      }
      const host = opts.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host)) {
        const check = checkAddress(host, options.ssrf);
        if (!check.ok) {
          callback(new BlockedAddressError(`connection to ${host} refused: ${check.reason}`), null);
          return;
        }
      }
      connector(opts, callback);
    },
  });

  const deadlines = new Deadlines();

  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      const target = splitUrl(req.url);
      const signal = deadlines.start(req.timeoutMs);
      try {
        const res = await agent.request({
          origin: target.origin,
          path: target.path,
          method: req.method,
          headers: options.userAgent && req.headers['user-agent'] === undefined ? { 'user-agent': options.userAgent, ...req.headers } : req.headers,
          body: req.body,
          signal: signal as unknown as AbortSignal,
          headersTimeout: req.timeoutMs,
          bodyTimeout: req.timeoutMs,
        });
        const headers = flattenHeaders(res.headers);
        let read: { body: string; truncated: boolean };
        try {
          read = await readCapped(res.body, res.headers['content-length'], req.maxBodyBytes);
        } catch (err) {
          // The receiver broke off its own answer; a body still arriving at the deadline (or
          // when we close) is no finished answer and stays a timeout.
          const e = classify(err, signal);
          if (signal.aborted || e.code === 'timeout') throw e;
          throw new HttpError(e.code, e.message, { status: res.statusCode, headers });
        }
        return { status: res.statusCode, headers, body: read.body, truncated: read.truncated };
      } catch (err) {
        throw classify(err, signal);
      } finally {
        deadlines.end(signal);
      }
    },
    // Requests still held by a hanging peer would keep close() waiting for their full timeout.
    // After a short grace they are aborted, which destroys their sockets: undici's Agent
    // forgets its pools on close(), so a later agent.destroy() would reach none of them.
    close: async () => {
      const closed = agent.close();
      if ((await within(closed, CLOSE_GRACE_MS)) === 'closed') return;
      deadlines.abortAll();
      await within(closed, CLOSE_GRACE_MS);
    },
  };
}

/** Time close() gives requests still running before aborting them (and again for the aborts to settle). */
const CLOSE_GRACE_MS = 1_000;

const within = async (p: Promise<unknown>, ms: number): Promise<'closed' | 'timeout'> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  try {
    return await Promise.race([p.then(() => 'closed' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
};

const originOf = (opts: { protocol: string; hostname: string; port: string }): string =>
  new URL(`${opts.protocol}//${opts.hostname}${opts.port ? `:${opts.port}` : ''}`).origin;

/**
 * Origin and path of a URL without a full WHATWG parse per request: the scheduler polls a
 * different URL for every job (`/v1/images/{id}`), so a cache keyed by the whole URL missed every
 * time and `new URL()` cost about 5 us per poll. `scheme://host[:port]` is parsed once per
 * distinct prefix; the rest is used as it is when it is made only of characters the parser
 * would keep unchanged and has no dot segments. Anything else (userinfo, `..`, spaces,
 * non-ASCII, a fragment...) goes through `new URL()`, whose answers are cached per URL.
 */
const PLAIN_PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#\\@%\s]+$/;
const PLAIN_REST = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@/%?]*$/;
const DOT_SEGMENT = /\/\.|%2e/i;
const originOfPrefix = new Map<string, string>();
const parsedUrls = new Map<string, { origin: string; path: string }>();

export const splitUrl = (url: string): { origin: string; path: string } => {
  const schemeEnd = url.indexOf('://');
  const pathStart = schemeEnd > 0 ? url.indexOf('/', schemeEnd + 3) : -1;
  if (pathStart > 0) {
    const prefix = url.slice(0, pathStart);
    const path = url.slice(pathStart);
    let origin = originOfPrefix.get(prefix);
    if (origin === undefined && PLAIN_PREFIX.test(prefix)) {
      origin = new URL(prefix).origin;
      if (originOfPrefix.size >= 1_000) originOfPrefix.clear();
      originOfPrefix.set(prefix, origin);
    }
    if (origin !== undefined && PLAIN_REST.test(path) && !DOT_SEGMENT.test(path)) return { origin, path };
  }
  let parts = parsedUrls.get(url);
  if (!parts) {
    const u = new URL(url);
    parts = { origin: u.origin, path: u.pathname + u.search };
    if (parsedUrls.size >= 1_000) parsedUrls.clear();
    parsedUrls.set(url, parts);
  }
  return parts;
};

/**
 * The abort signal for one request's total deadline. Cheaper than `AbortSignal.timeout` (an
 * EventTarget and a timer per request): one timer serves every request of the client (see
 * Deadlines). undici accepts any object with `aborted`, `reason` and add/removeEventListener.
 */
class DeadlineSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Array<() => void> = [];
  constructor(readonly deadline: number) {}
  addEventListener(_type: 'abort', fn: () => void): void {
    this.listeners.push(fn);
  }
  removeEventListener(_type: 'abort', fn: () => void): void {
    const i = this.listeners.indexOf(fn);
    if (i >= 0) this.listeners.splice(i, 1);
  }
  abort(reason: HttpError = new HttpError('timeout', 'timed out')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const fns = this.listeners;
    this.listeners = [];
    for (const fn of fns) fn();
  }
}

/**
 * Every running request's deadline, with one timer armed for the earliest. A finished request
 * leaves the set; when the timer fires, whatever is past its deadline is aborted and the timer
 * is armed again for the earliest one left.
 */
class Deadlines {
  private pending = new Set<DeadlineSignal>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;

  start(timeoutMs: number): DeadlineSignal {
    const s = new DeadlineSignal(performance.now() + timeoutMs);
    this.pending.add(s);
    if (s.deadline < this.timerAt) this.arm(s.deadline);
    return s;
  }

  end(s: DeadlineSignal): void {
    this.pending.delete(s);
    if (this.pending.size === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.timerAt = Infinity;
    }
  }

  /** Aborts every running request (the client is closing). */
  abortAll(): void {
    const all = [...this.pending];
    this.pending.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
    for (const s of all) s.abort(new HttpError('other', 'aborted: the client closed'));
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.fire, Math.max(0, Math.ceil(at - performance.now())));
    this.timer.unref();
  }

  private fire = (): void => {
    this.timer = null;
    this.timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const s of this.pending) {
      if (s.deadline <= now) {
        this.pending.delete(s);
        s.abort();
      } else if (s.deadline < next) next = s.deadline;
    }
    if (next < Infinity) this.arm(next);
  };
}

/**
 * The body as text, at most `max` bytes. A body whose content-length fits the cap is read whole
 * (undici's own collector, as bare `body.text()` does; undici fails a body that runs past its
 * content-length), which costs about a third of an async iterator over the stream. Otherwise
 * chunks are read until the cap and the rest is discarded. Decoded as UTF-8 either way (a BOM
 * is kept, as before).
 */
async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): void; bytes(): Promise<Uint8Array> },
  contentLength: string | string[] | undefined,
  max: number,
): Promise<{ body: string; truncated: boolean }> {
  if (typeof contentLength === 'string' && /^\d{1,15}$/.test(contentLength) && Number(contentLength) <= max) {
    const bytes = await body.bytes();
    return { body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), truncated: false };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > max) {
      chunks.push(chunk.subarray(0, max - size));
      body.destroy();
      return { body: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { body: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in headers) {
    const v = headers[k];
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Certificate failures Node reports without an ERR_TLS_/ERR_SSL_ prefix. */
const TLS_CERT_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function tlsHint(code: string): string {
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') return 'the port does not speak TLS (an http:// server behind an https:// URL?)';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'the certificate is not for this host name';
  if (TLS_CERT_CODES.has(code)) return 'the certificate is not trusted (expired, self-signed or an incomplete chain)';
  return 'the TLS handshake failed';
}

function classify(err: unknown, signal: { aborted: boolean; reason: unknown }): HttpError {
  if (err instanceof HttpError) return err;
  if (signal.aborted && signal.reason instanceof HttpError) return signal.reason;
  const e = err as { name?: string; code?: string; message?: string; cause?: unknown };
  const cause = (e?.cause ?? {}) as { code?: string; name?: string; message?: string };
  if (e instanceof BlockedAddressError || cause instanceof BlockedAddressError || e?.code === 'EBLOCKED') {
    return new HttpError('blocked', (e.message || cause.message) ?? 'blocked');
  }
  if (signal.aborted || e instanceof undiciErrors.HeadersTimeoutError || e instanceof undiciErrors.BodyTimeoutError || e?.name === 'TimeoutError') {
    return new HttpError('timeout', 'timed out');
  }
  if (e instanceof undiciErrors.ConnectTimeoutError) return new HttpError('timeout', 'connect timed out');
  const code = e?.code ?? cause.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return new HttpError('connect', `${code}: ${e.message ?? ''}`.trim());
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || e instanceof undiciErrors.SocketError) {
    return new HttpError('reset', 'connection reset');
  }
  // OpenSSL's own text ("80FC...:error:0A00010B:SSL routines:...") tells a receiver's owner little.
  if (typeof code === 'string' && (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || TLS_CERT_CODES.has(code))) {
    return new HttpError('connect', `TLS failed (${code}): ${tlsHint(code)}`);
  }
  return new HttpError('other', e?.message ?? String(err));
}
