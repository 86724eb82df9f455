import type { MiddlewareHandler } from 'hono';
import type { AppDeps, AppEnv } from './deps.ts';
import { authenticateApiKey, recordKeyUse } from '../store/queries/authenticate.ts';
import { constantTimeEqual } from '../security/tokens.ts';
import { ProblemError, notFound } from './problem.ts';

const CHALLENGE = { 'WWW-Authenticate': 'Bearer' };

/** The token of `Authorization: Bearer <token>`, or null. The scheme is case-insensitive. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

const unauthorized = (detail: string) => new ProblemError('unauthorized', detail, undefined, CHALLENGE);

/** Tenant API keys (`ph_...`): sets `tenantId` for the handlers. */
export function tenantAuth(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token) throw unauthorized('Send an API key as `Authorization: Bearer ph_...`.');
    const key = authenticateApiKey(deps.db, token, deps.clock.now());
    if (!key) throw unauthorized('The API key is not valid.');
    c.set('tenantId', key.tenantId);
    c.set('apiKeyId', key.keyId);
    c.set('logger', c.get('logger').child({ tenantId: key.tenantId }));
    await next();
    // Only a request that was served counts as a use: a rejected one changes no row.
    if (c.res.status < 400) recordKeyUse(deps.db, key, deps.clock.now());
  };
}

/** The admin API exists only when POLLHOOK_ADMIN_TOKEN is set; otherwise it is not there (404). */
export function adminAuth(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = deps.config.adminToken;
    if (!expected) throw notFound('route');
    const token = bearerToken(c.req.header('authorization'));
    if (!token || !constantTimeEqual(token, expected)) {
      throw unauthorized('Send the admin token as `Authorization: Bearer $POLLHOOK_ADMIN_TOKEN`.');
    }
    await next();
  };
}
