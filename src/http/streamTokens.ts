import type { SecretBox } from '../security/secretBox.ts';

/**
 * Short-lived, read-only tokens for the event stream, for clients that cannot send an
 * `Authorization` header (a browser's EventSource) and so must put a credential in the URL:
 * never the API key there. A token is the tenant id and an expiry sealed with the master key
 * (AES-GCM: it cannot be forged or altered), so nothing is stored and it survives a restart.
 * It opens only GET /v1/events/stream, and not its signed mode.
 */
export const STREAM_TOKEN_PREFIX = 'phst_';
export const DEFAULT_STREAM_TOKEN_TTL_S = 600;
export const MAX_STREAM_TOKEN_TTL_S = 3600;

const toBase64Url = (s: string) => btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const fromBase64Url = (s: string) => atob(s.replace(/-/g, '+').replace(/_/g, '/'));

export function mintStreamToken(box: SecretBox, tenantId: string, expiresAt: number): string {
  return STREAM_TOKEN_PREFIX + toBase64Url(box.sealJson({ scope: 'events:stream', tenantId, exp: expiresAt }));
}

/** The tenant id of a valid, unexpired token; null for anything else. */
export function verifyStreamToken(box: SecretBox, token: string, now: number): string | null {
  if (!token.startsWith(STREAM_TOKEN_PREFIX) || token.length > 1024) return null;
  try {
    const sealed = fromBase64Url(token.slice(STREAM_TOKEN_PREFIX.length));
    // A full 16-byte GCM tag (24 base64 characters): a truncated tag would be far easier to forge.
    if (sealed.split('.')[2]?.length !== 24) return null;
    const claims = box.openJson<{ scope?: unknown; tenantId?: unknown; exp?: unknown }>(sealed);
    if (claims.scope !== 'events:stream' || typeof claims.tenantId !== 'string' || typeof claims.exp !== 'number') return null;
    return claims.exp > now ? claims.tenantId : null;
  } catch {
    return null;
  }
}
