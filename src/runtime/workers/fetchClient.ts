import { HttpError, type AnswerHead, type HttpClient, type HttpRequest, type HttpResponse } from '../../net/httpClient.ts';
import { checkUrlSyntax, type SsrfPolicy } from '../../security/ssrf.ts';

/** Outgoing connections a Durable Object may hold open at a time (more wait in workerd's queue). */
export const WORKERS_CONNECTIONS = 6;

export interface FetchClientOptions {
  ssrf: SsrfPolicy;
  userAgent?: string;
  /** Operator origins (POLLHOOK_PROVIDER_*_BASE_URL) exempt from the guard, as on Node. */
  trustedOrigins?: readonly string[];
  /** Outgoing requests at once; a Durable Object may hold 6 connections open at a time. */
  maxConcurrent?: number;
}

/**
 * The HTTP port over `fetch`, with the Node client's caps: one deadline for connect, headers
 * and body; the body read up to `maxBodyBytes`, the rest discarded; redirects never followed
 * (a 3xx is returned as it is, and the engines count only 2xx as success).
 * The SSRF guard checks the URL only: there is no DNS on Workers, and Cloudflare's network
 * refuses subrequests to private addresses in production (docs/workers.md).
 */
export function createFetchHttpClient(options: FetchClientOptions): HttpClient {
  const trusted = new Set((options.trustedOrigins ?? []).map((o) => new URL(o).origin));
  const gate = new Gate(options.maxConcurrent ?? WORKERS_CONNECTIONS);
  const inFlight = new Set<AbortController>();

  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      const origin = safeOrigin(req.url);
      if (!origin || !trusted.has(origin)) {
        const check = checkUrlSyntax(req.url, options.ssrf);
        if (!check.ok) throw new HttpError('blocked', `request to ${req.url} refused: ${check.reason}`);
      }
      // The deadline starts once a connection slot is ours, so waiting for one is not a timeout.
      await gate.enter();
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), req.timeoutMs);
      inFlight.add(controller);
      try {
        const headers = options.userAgent && req.headers['user-agent'] === undefined ? { 'user-agent': options.userAgent, ...req.headers } : req.headers;
        const res = await fetch(req.url, { method: req.method, headers, body: req.body, redirect: 'manual', signal: controller.signal });
        const out: Record<string, string> = {};
        res.headers.forEach((v, k) => (out[k.toLowerCase()] = v));
        let read: { body: string; truncated: boolean };
        try {
          read = await readCapped(res, req.maxBodyBytes);
        } catch (err) {
          // The status line and headers arrived and the receiver broke off the body (as on
          // Node); a body still arriving at the deadline stays a timeout.
          throw transportError(err, controller.signal.aborted, req.timeoutMs, { status: res.status, headers: out });
        }
        return { status: res.status, headers: out, body: read.body, truncated: read.truncated };
      } catch (err) {
        if (err instanceof HttpError) throw err;
        throw transportError(err, controller.signal.aborted, req.timeoutMs, null);
      } finally {
        gate.leave();
        clearTimeout(timer);
        inFlight.delete(controller);
      }
    },
    close: async () => {
      for (const c of inFlight) c.abort();
    },
  };
}

/** `answered`: the head that arrived before the body broke; dropped at the deadline (a timeout). */
function transportError(err: unknown, aborted: boolean, timeoutMs: number, answered: AnswerHead | null): HttpError {
  if (aborted) return new HttpError('timeout', `no answer within ${timeoutMs} ms`);
  const message = err instanceof Error ? err.message : String(err);
  const code = /connection lost|reset/i.test(message) ? 'reset' : /refused|connect|dns|resolve/i.test(message) ? 'connect' : 'other';
  return new HttpError(code, message, answered);
}

function safeOrigin(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

async function readCapped(res: Response, maxBytes: number): Promise<{ body: string; truncated: boolean }> {
  if (!res.body) return { body: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = maxBytes - size;
    if (value.byteLength > room) {
      if (room > 0) chunks.push(value.subarray(0, room));
      size = maxBytes;
      truncated = true;
      await reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return { body: new TextDecoder().decode(all), truncated };
}

/** Counts requests in flight and queues the rest, so fan-out stays within the connection limit. */
class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  enter(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => (this.active++, resolve())));
  }
  leave(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}
