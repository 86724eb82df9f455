/** Shared tools for the reliability suite: a database fingerprint, raw HTTP, problem checks. */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import type { Database } from '../../src/store/port.ts';

/**
 * Every table's row count and a SHA-256 over its rows (sorted, so the result does not depend on
 * the plan SQLite picks). Two equal fingerprints mean the database content is unchanged.
 */
export function fingerprint(db: Database): Record<string, string> {
  const tables = db
    .prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((t) => t.name);
  const out: Record<string, string> = {};
  for (const table of tables) {
    const rows = db.prepare(`SELECT * FROM "${table}"`).all().map((r) => JSON.stringify(r, bigintSafe));
    rows.sort();
    const hash = createHash('sha256');
    for (const r of rows) hash.update(r).update('\n');
    out[table] = `${rows.length}:${hash.digest('hex').slice(0, 16)}`;
  }
  return out;
}

const bigintSafe = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request over node:http with the path sent exactly as given (fetch would resolve `../`
 * and re-encode), arbitrary header values and a byte body (so invalid UTF-8 can be sent).
 */
export function rawRequest(
  baseUrl: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: Uint8Array | string },
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: options.method,
        path: options.path,
        headers: options.headers,
        // No pooling: a request the server rejects early must not poison the next one.
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** An error answer is RFC 9457: problem+json with a type, a title and the same status. */
export function problemViolation(res: RawResponse): string | null {
  if (res.status < 400) return null;
  const type = String(res.headers['content-type'] ?? '');
  if (type !== 'application/problem+json') return `status ${res.status} with content-type "${type}"`;
  let p: { type?: unknown; title?: unknown; status?: unknown };
  try {
    p = JSON.parse(res.body);
  } catch {
    return `status ${res.status} with a body that is not JSON: ${res.body.slice(0, 200)}`;
  }
  if (typeof p.type !== 'string' || typeof p.title !== 'string' || p.status !== res.status) {
    return `status ${res.status} with a malformed problem: ${res.body.slice(0, 200)}`;
  }
  return null;
}

/** The bytes of the database file and its WAL, for scanning for plain-text secrets. */
export function databaseBytes(path: string): Buffer {
  const parts = [path, `${path}-wal`, `${path}-journal`].filter((p) => existsSync(p)).map((p) => readFileSync(p));
  return Buffer.concat(parts);
}
