import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Tenant API keys: `ph_` + 32 random bytes (base64url). Only the SHA-256 is stored. */
export const generateApiKey = (): string => `ph_${randomBytes(32).toString('base64url')}`;

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Signing secrets, as Standard Webhooks expects them: `whsec_` + base64 of 32 random bytes. */
export const generateSigningSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** Constant-time comparison of two strings of any length (hashing first equalizes lengths). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
