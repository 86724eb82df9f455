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

  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      // One plain timer per request: AbortSignal.timeout() also registers the signal for
      // garbage-collection tracking, which cost more than the rest of the request's own work.
      const controller = new AbortController();
      const signal = controller.signal;
      const timer = setTimeout(() => controller.abort(new DOMException('timed out', 'TimeoutError')), req.timeoutMs);
      timer.unref();
      try {
        const url = new URL(req.url);
        const res = await agent.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method: req.method,
          headers: options.userAgent ? { 'user-agent': options.userAgent, ...req.headers } : req.headers,
          body: req.body,
          signal,
          headersTimeout: req.timeoutMs,
          bodyTimeout: req.timeoutMs,
        });
        const { body, truncated } = await readBody(res, req.maxBodyBytes);
        return { status: res.statusCode, headers: flattenHeaders(res.headers), body, truncated };
      } catch (err) {
        throw classify(err, signal);
      } finally {
        clearTimeout(timer);
      }
    },
    // Requests still held by a hanging peer would keep close() waiting for their full timeout.
    close: async () => {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 1000)));
      const outcome = await Promise.race([agent.close().then(() => 'closed' as const), grace]);
      clearTimeout(timer);
      if (outcome === 'timeout') await agent.destroy();
    },
  };
}

const originOf = (opts: { protocol: string; hostname: string; port: string }): string =>
  new URL(`${opts.protocol}//${opts.hostname}${opts.port ? `:${opts.port}` : ''}`).origin;

/**
 * A body whose declared length fits the cap is read whole (undici stops at the declared length,
 * so it cannot grow past it); any other is read in chunks and cut at the cap.
 */
function readBody(
  res: { headers: Record<string, string | string[] | undefined>; body: AsyncIterable<Buffer> & { destroy(): void; text(): Promise<string> } },
  max: number,
): Promise<{ body: string; truncated: boolean }> {
  const declared = res.headers['content-length'];
  if (typeof declared === 'string' && /^\d+$/.test(declared) && Number(declared) <= max) {
    return res.body.text().then((body) => ({ body, truncated: false }));
  }
  return readCapped(res.body, max);
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): void },
  max: number,
): Promise<{ body: string; truncated: boolean }> {
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
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function classify(err: unknown, signal: AbortSignal): HttpError {
  if (err instanceof HttpError) return err;
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
  return new HttpError('other', e?.message ?? String(err));
}
