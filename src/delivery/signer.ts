import { Webhook } from 'svix';
import type { Database } from '../store/port.ts';
import type { SecretBox } from '../security/secretBox.ts';
import type { Clock } from '../core/clock.ts';
import { activeSigningSecrets } from '../store/queries/signingSecrets.ts';

/**
 * Signs webhooks with every active secret of the tenant (Standard Webhooks, via svix). Secrets
 * are cached per tenant for a short while (decrypting them on every attempt would dominate a
 * busy dispatcher); a rotation is picked up within `cacheMs`. Webhook instances are cached per
 * secret because constructing one decodes the key.
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
  const tenants = new Map<string, { webhooks: Webhook[]; expiresAt: number }>();
  const bySecret = new Map<string, Webhook>();

  const webhooksFor = (tenantId: string): Webhook[] => {
    const now = deps.clock.now();
    const cached = tenants.get(tenantId);
    if (cached && cached.expiresAt > now) return cached.webhooks;
    const secrets = activeSigningSecrets(deps.db, deps.secretBox, tenantId, now);
    const webhooks = secrets.map((s) => {
      let w = bySecret.get(s);
      if (!w) {
        w = new Webhook(s);
        bySecret.set(s, w);
      }
      return w;
    });
    if (bySecret.size > 4 * tenants.size + 64) pruneSecrets(bySecret, tenants, webhooks);
    tenants.set(tenantId, { webhooks, expiresAt: now + cacheMs });
    return webhooks;
  };

  return {
    sign(tenantId, msgId, timestampSeconds, body) {
      const webhooks = webhooksFor(tenantId);
      if (webhooks.length === 0) throw new NoSigningSecretError(`tenant ${tenantId} has no active signing secret`);
      const at = new Date(timestampSeconds * 1000);
      if (webhooks.length === 1) return webhooks[0]!.sign(msgId, at, body);
      return webhooks.map((w) => w.sign(msgId, at, body)).join(' ');
    },
  };
}

/** Drops Webhook instances no cached tenant uses any more (rotated-out secrets). */
function pruneSecrets(
  bySecret: Map<string, Webhook>,
  tenants: Map<string, { webhooks: Webhook[] }>,
  fresh: Webhook[],
): void {
  const live = new Set<Webhook>(fresh);
  for (const t of tenants.values()) for (const w of t.webhooks) live.add(w);
  for (const [secret, w] of bySecret) if (!live.has(w)) bySecret.delete(secret);
}
