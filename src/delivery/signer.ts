import type { Database } from '../store/port.ts';
import type { SecretBox } from '../security/secretBox.ts';
import type { Clock } from '../core/clock.ts';
import { activeSigningSecrets } from '../store/queries/signingSecrets.ts';
import { signingKeyOf, type SigningKey } from './signingKey.ts';

/**
 * Signs webhooks with every active secret of the tenant (Standard Webhooks, computed as svix
 * does, see signingKey.ts). Secrets are cached per tenant for a short while (decrypting them on
 * every attempt would dominate a busy dispatcher); a rotation is picked up within `cacheMs`.
 * Signing keys are cached per secret because building one decodes the key and checks it
 * against svix.
 */
export interface Signer {
  /** The `webhook-signature` header value: `v1,<sig>` per active secret, space-separated. */
  sign(tenantId: string, msgId: string, timestampSeconds: number, body: string): string;
}

export class NoSigningSecretError extends Error {
  override name = 'NoSigningSecretError';
}

export function createSigner(deps: { db: Database; secretBox: SecretBox; clock: Clock; cacheMs?: number }): Signer {
  const cacheMs = deps.cacheMs ?? 10_000;
  const tenants = new Map<string, { keys: SigningKey[]; expiresAt: number }>();
  const bySecret = new Map<string, SigningKey>();

  const keysFor = (tenantId: string): SigningKey[] => {
    const now = deps.clock.now();
    const cached = tenants.get(tenantId);
    if (cached && cached.expiresAt > now) return cached.keys;
    const secrets = activeSigningSecrets(deps.db, deps.secretBox, tenantId, now);
    const keys = secrets.map((s) => {
      let k = bySecret.get(s);
      if (!k) {
        k = signingKeyOf(s);
        bySecret.set(s, k);
      }
      return k;
    });
    if (bySecret.size > 4 * tenants.size + 64) pruneSecrets(bySecret, tenants, keys);
    tenants.set(tenantId, { keys, expiresAt: now + cacheMs });
    return keys;
  };

  return {
    sign(tenantId, msgId, timestampSeconds, body) {
      const keys = keysFor(tenantId);
      if (keys.length === 0) throw new NoSigningSecretError(`tenant ${tenantId} has no active signing secret`);
      if (keys.length === 1) return keys[0]!(msgId, timestampSeconds, body);
      return keys.map((k) => k(msgId, timestampSeconds, body)).join(' ');
    },
  };
}

/** Drops signing keys no cached tenant uses any more (rotated-out secrets). */
function pruneSecrets(
  bySecret: Map<string, SigningKey>,
  tenants: Map<string, { keys: SigningKey[] }>,
  fresh: SigningKey[],
): void {
  const live = new Set<SigningKey>(fresh);
  for (const t of tenants.values()) for (const k of t.keys) live.add(k);
  for (const [secret, k] of bySecret) if (!live.has(k)) bySecret.delete(secret);
}
