import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createSecretBox } from '../../src/security/secretBox.ts';
import {
  ENCRYPTED_COLUMNS,
  KEY_CHECK_SETTING,
  readKeyCheck,
  reencryptSecrets,
  verifyMasterKey,
} from '../../src/store/queries/masterKeyCheck.ts';
import { createTenant } from '../../src/store/queries/tenants.ts';
import { insertConnection } from '../../src/store/queries/connections.ts';
import { insertJob, insertTenant } from '../scheduler/harness.ts';
import { tempDb, type TempDb } from '../helpers/db.ts';
import type { Database } from '../../src/store/port.ts';

const temps: TempDb[] = [];
afterEach(() => temps.splice(0).forEach((t) => t.cleanup()));
const newDb = () => {
  const t = tempDb(1_000);
  temps.push(t);
  return t.db;
};
const box = () => createSecretBox(randomBytes(32));

/** Every sealed value in the database, by column. */
function sealedValues(db: Database): string[] {
  return ENCRYPTED_COLUMNS.flatMap(({ table, column }) =>
    db.prepare<{ v: string }>(`SELECT ${column} AS v FROM ${table} WHERE ${column} IS NOT NULL`).all().map((r) => r.v),
  );
}

function populate(db: Database, key: ReturnType<typeof box>): void {
  createTenant(db, key, 'acme', 1_000);
  const tenantId = insertTenant(db, 1_000);
  insertConnection(db, { tenantId, provider: 'fotolabs', name: 'main', credentialsEnc: key.sealJson({ apiKey: 'fl_conn' }) }, 1_000);
  for (let i = 0; i < 3; i++) {
    insertJob(db, key, tenantId, { provider: 'fotolabs', externalId: `e${i}`, apiKey: `fl_${i}` }, 1_000);
  }
  insertJob(db, key, tenantId, { provider: 'http', externalId: 'h1', httpSpec: { url: 'https://x.example/{externalId}', statusPath: '/s', states: {} }, httpHeaders: { 'x-api-key': 'h' } }, 1_000);
}

describe('master key check', () => {
  it('lists every _enc column of the schema, so rotation misses none', () => {
    const db = newDb();
    const tables = db.prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    const encrypted = tables.flatMap(({ name }) =>
      db
        .prepare<{ name: string }>(`SELECT name FROM pragma_table_info('${name}')`)
        .all()
        .filter((c) => c.name.endsWith('_enc'))
        .map((c) => `${name}.${c.name}`),
    );
    expect(encrypted.sort()).toEqual(ENCRYPTED_COLUMNS.map((c) => `${c.table}.${c.column}`).sort());
  });

  it('stores a check on a new database, then accepts its key and refuses another', () => {
    const db = newDb();
    const key = box();
    expect(verifyMasterKey(db, key, 1)).toEqual({ status: 'created', sampled: 0 });
    expect(readKeyCheck(db)).toMatch(/^v1\./);
    expect(verifyMasterKey(db, key, 2)).toEqual({ status: 'match' });
    expect(verifyMasterKey(db, box(), 3)).toEqual({ status: 'mismatch', what: 'the stored key check' });
  });

  it('gives a database from before key checks one only when the key opens its secrets', () => {
    const db = newDb();
    const key = box();
    populate(db, key);
    expect(readKeyCheck(db)).toBeNull();
    expect(verifyMasterKey(db, box(), 1)).toMatchObject({ status: 'mismatch', what: 'the stored signing_secrets.secret_enc' });
    expect(readKeyCheck(db)).toBeNull();
    expect(verifyMasterKey(db, key, 2)).toMatchObject({ status: 'created', sampled: 6 });
    expect(verifyMasterKey(db, key, 3)).toEqual({ status: 'match' });
  });
});

describe('reencryptSecrets', () => {
  it('moves every secret and the check to the new key', () => {
    const db = newDb();
    const [oldKey, newKey] = [box(), box()];
    populate(db, oldKey);
    verifyMasterKey(db, oldKey, 1);
    const plain = sealedValues(db).map((v) => oldKey.open(v));
    const report = reencryptSecrets(db, oldKey, newKey, 2);
    expect(report).toEqual({
      'signing_secrets.secret_enc': 1,
      'connections.credentials_enc': 1,
      'jobs.credentials_enc': 3,
      'jobs.http_headers_enc': 1,
    });
    const after = sealedValues(db);
    expect(after.map((v) => newKey.open(v))).toEqual(plain);
    for (const v of after) expect(() => oldKey.open(v)).toThrow(/cannot decrypt/);
    expect(verifyMasterKey(db, newKey, 3)).toEqual({ status: 'match' });
    expect(verifyMasterKey(db, oldKey, 3).status).toBe('mismatch');
  });

  it('changes nothing when it fails midway: everything still opens with the old key', () => {
    const db = newDb();
    const [oldKey, newKey] = [box(), box()];
    populate(db, oldKey);
    verifyMasterKey(db, oldKey, 1);
    // A value the old key cannot open, in the last column rotated: the earlier ones are already
    // rewritten inside the transaction when it fails.
    db.prepare("UPDATE jobs SET http_headers_enc = 'v1.AAAA.AAAA.AAAA' WHERE external_id = 'h1'").run();
    const before = sealedValues(db);
    const check = readKeyCheck(db);
    expect(() => reencryptSecrets(db, oldKey, newKey, 2)).toThrow(/cannot decrypt/);
    expect(sealedValues(db)).toEqual(before);
    expect(readKeyCheck(db)).toBe(check);
    expect(db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM settings WHERE name = ?').get(KEY_CHECK_SETTING)!.n).toBe(1);
  });

  it('refuses to start from a key that is not the database\'s', () => {
    const db = newDb();
    const key = box();
    verifyMasterKey(db, key, 1);
    expect(() => reencryptSecrets(db, box(), box(), 2)).toThrow(/does not open/);
  });
});
