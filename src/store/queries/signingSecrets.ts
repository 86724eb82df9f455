import type { Database } from '../port.ts';
import { appendOperationalEvent } from './operationalEvents.ts';
import type { SecretBox } from '../../security/secretBox.ts';
import { generateSigningSecret } from '../../security/tokens.ts';
import { newId } from '../../core/ids.ts';

/** How long a rotated-out secret keeps signing, so receivers can roll over. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** Creates a tenant's new current secret; returns it in plain text (shown to the user once). */
export function insertSigningSecret(
  db: Database,
  box: SecretBox,
  tenantId: string,
  now: number,
): { id: string; secret: string; createdAt: number } {
  const secret = generateSigningSecret();
  const id = newId('sec', now);
  db.prepare('INSERT INTO signing_secrets (id, tenant_id, secret_enc, created_at, expires_at) VALUES (?, ?, ?, ?, NULL)').run(
    id,
    tenantId,
    box.seal(secret),
    now,
  );
  return { id, secret, createdAt: now };
}

/** The secrets that sign a webhook now, newest first: the current one and any still in overlap. */
export function activeSigningSecrets(db: Database, box: SecretBox, tenantId: string, now: number): string[] {
  return db
    .prepare<{ secret_enc: string }>(
      `SELECT secret_enc FROM signing_secrets
        WHERE tenant_id = ? AND (expires_at IS NULL OR expires_at > ?)
        ORDER BY created_at DESC, id DESC`,
    )
    .all(tenantId, now)
    .map((r) => box.open(r.secret_enc));
}

export interface SigningSecretInfo {
  id: string;
  createdAt: number;
  /** null for the current secret. */
  expiresAt: number | null;
  current: boolean;
}

/** The tenant's secrets that still sign (current first), without the secrets themselves. */
export function listSigningSecrets(db: Database, tenantId: string, now: number): SigningSecretInfo[] {
  return db
    .prepare<{ id: string; created_at: number; expires_at: number | null }>(
      `SELECT id, created_at, expires_at FROM signing_secrets
        WHERE tenant_id = ? AND (expires_at IS NULL OR expires_at > ?)
        ORDER BY expires_at IS NULL DESC, created_at DESC, id DESC`,
    )
    .all(tenantId, now)
    .map((r) => ({ id: r.id, createdAt: r.created_at, expiresAt: r.expires_at, current: r.expires_at === null }));
}

/**
 * Issues a new current secret. The previous current one keeps signing for ROTATION_OVERLAP_MS,
 * so receivers can roll over; secrets already in overlap keep their earlier expiry.
 */
export function rotateSigningSecret(
  db: Database,
  box: SecretBox,
  tenantId: string,
  now: number,
): { id: string; secret: string; createdAt: number; previousExpiresAt: number } {
  return db.transaction(() => {
    const previousExpiresAt = now + ROTATION_OVERLAP_MS;
    db.prepare('UPDATE signing_secrets SET expires_at = ? WHERE tenant_id = ? AND expires_at IS NULL').run(
      previousExpiresAt,
      tenantId,
    );
    const created = insertSigningSecret(db, box, tenantId, now);
    appendOperationalEvent(
      db,
      tenantId,
      'signing_secret.rotated',
      { signingSecretId: created.id, previousExpiresAt: new Date(previousExpiresAt).toISOString() },
      now,
    );
    return { ...created, previousExpiresAt };
  });
}

export type ExpireSecretResult = 'expired' | 'not_found' | 'current';

/**
 * Ends a rotated-out secret's overlap now, once every receiver has the new one. The current
 * secret cannot be expired (webhooks would go unsigned): rotate first.
 */
export function expireSigningSecret(db: Database, tenantId: string, id: string, now: number): ExpireSecretResult {
  return db.transaction(() => {
    const row = db
      .prepare<{ expires_at: number | null }>(
        'SELECT expires_at FROM signing_secrets WHERE id = ? AND tenant_id = ? AND (expires_at IS NULL OR expires_at > ?)',
      )
      .get(id, tenantId, now);
    if (!row) return 'not_found';
    if (row.expires_at === null) return 'current';
    db.prepare('UPDATE signing_secrets SET expires_at = ? WHERE id = ? AND tenant_id = ?').run(now, id, tenantId);
    return 'expired';
  });
}
