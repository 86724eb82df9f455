/**
 * The dispatcher signs with node:crypto (src/delivery/signingKey.ts); svix is the reference.
 * For arbitrary secrets, webhook ids, timestamps and bodies (non-ASCII and lone surrogates
 * included), the signer's header must be exactly what svix's Webhook.sign gives, and a secret
 * svix rejects must be rejected too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Webhook } from 'svix';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { createSigner } from '../../src/delivery/signer.ts';
import { signingKeyOf } from '../../src/delivery/signingKey.ts';
import { newId } from '../../src/core/ids.ts';
import { tempDb, testSecretBox, type TempDb } from '../helpers/db.ts';

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.string({ unit: codeUnit, maxLength: 100 }),
  fc.json({ maxDepth: 3 }),
);
const keyBytes = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b).toString('base64'));
const secret = fc.oneof(
  keyBytes.map((k) => `whsec_${k}`),
  keyBytes,
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.string({ minLength: 1, maxLength: 40 }).map((s) => `whsec_${s}`),
);
const timestamp = fc.integer({ min: 0, max: 2 ** 34 });

/** svix's header for one secret, or 'rejected' when svix does not accept the secret. */
function svixSignature(s: string, id: string, ts: number, body: string): string {
  let w: Webhook;
  try {
    w = new Webhook(s);
  } catch {
    return 'rejected';
  }
  return w.sign(id, new Date(ts * 1000), body);
}

let t: TempDb | null = null;
afterEach(() => {
  t?.cleanup();
  t = null;
});

describe('signatures equal svix', () => {
  it('one signing key, any secret, id, timestamp and body', () => {
    fc.assert(
      fc.property(secret, text, timestamp, text, (s, id, ts, body) => {
        const expected = svixSignature(s, id, ts, body);
        let got: string;
        try {
          got = signingKeyOf(s)(id, ts, body);
        } catch {
          got = 'rejected';
        }
        expect(got).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  it('the signer: a tenant with one or two secrets (rotation), each entry equal to svix and standardwebhooks', () => {
    t = tempDb();
    const db = t.db;
    const box = testSecretBox();
    const now = Date.parse('2026-11-22T20:00:00Z');
    const signer = createSigner({ db, secretBox: box, clock: { now: () => now }, cacheMs: 0 });
    const goodSecret = keyBytes.map((k) => `whsec_${k}`);
    fc.assert(
      fc.property(fc.array(goodSecret, { minLength: 1, maxLength: 2 }), text, timestamp, text, (secrets, id, ts, body) => {
        const tenantId = newId('tnt', now);
        db.prepare('INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)').run(tenantId, 't', now);
        secrets.forEach((s, i) => {
          db.prepare('INSERT INTO signing_secrets (id, tenant_id, secret_enc, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(
            newId('sec', now),
            tenantId,
            box.seal(s),
            now - 10 + i,
            i === 0 && secrets.length > 1 ? now + 60_000 : null,
          );
        });
        const header = signer.sign(tenantId, id, ts, body);
        const entries = header.split(' ');
        expect(entries).toHaveLength(secrets.length);
        for (const s of secrets) expect(entries).toContain(svixSignature(s, id, ts, body));
        // The standardwebhooks library (what receivers verify with) computes the same entries.
        for (const s of secrets) expect(entries).toContain(new StandardWebhook(s).sign(id, new Date(ts * 1000), body));
      }),
      { numRuns: 300 },
    );
  });
});
