import type { Context, MiddlewareHandler } from 'hono';
import { constantTimeEqual } from '../../security/tokens.ts';

/** No inline script or style anywhere: every asset is served from /ui/assets. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set('content-security-policy', CONTENT_SECURITY_POLICY);
    h.set('x-frame-options', 'DENY');
    h.set('x-content-type-options', 'nosniff');
    h.set('referrer-policy', 'same-origin');
    h.set('cross-origin-opener-policy', 'same-origin');
    h.set('cross-origin-resource-policy', 'same-origin');
    h.set('permissions-policy', 'camera=(), microphone=(), geolocation=()');
    if (!c.req.path.startsWith('/ui/assets/')) h.set('cache-control', 'no-store');
  };
}

export const isHttps = (c: Context): boolean =>
  new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';

/**
 * A state-changing request must come from a page of this same origin: the Origin header when the
 * browser sends one (every current browser does on POST), else Sec-Fetch-Site.
 */
export function sameOrigin(c: Context): boolean {
  const origin = c.req.header('origin');
  if (origin) return origin === new URL(c.req.url).origin || origin === forwardedOrigin(c);
  return c.req.header('sec-fetch-site') === 'same-origin';
}

function forwardedOrigin(c: Context): string | null {
  const proto = c.req.header('x-forwarded-proto');
  const host = c.req.header('x-forwarded-host') ?? c.req.header('host');
  return proto && host ? `${proto}://${host}` : null;
}

export const csrfTokenMatches = (expected: string, sent: unknown): boolean =>
  typeof sent === 'string' && sent.length > 0 && constantTimeEqual(expected, sent);
