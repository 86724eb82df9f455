import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { ADMIN_TOKEN, body, fotolabsJob, httpJob, seedEvent, seedTenant, startApi, type Api } from '../http/harness.ts';
import type { TempDb } from '../helpers/db.ts';
import type { CreatedTenant } from '../../src/store/queries/tenants.ts';
import { newId } from '../../src/core/ids.ts';
import { StreamHub } from '../../src/http/streamHub.ts';
import { feedCounter } from '../../src/store/queries/eventFeed.ts';
import { PROBLEM_BASE } from '../../src/http/problem.ts';
import {
  SECRET_MARK,
  contentTypes,
  hostileValue,
  mutated,
  rawBodies,
  schemaArbitrary,
  secretValue,
  serialize,
  type Doc,
  type Hint,
  type Schema,
} from './arbitraries.ts';

// Hostile input generated from the API's own description: every operation of /openapi.json,
// valid-looking requests and their mutations, against the real HTTP app on 127.0.0.1 with a
// real SQLite store and two tenants. The engines are not running, so every row change is the
// API's doing and "a rejected request changed nothing" can be checked exactly.
// FUZZ_SEED replays another run; the suite uses the fixed one.
const SEED = Number(process.env.FUZZ_SEED ?? 13_2026);
const RUNS = 4_000;

let api: Api & { temp: TempDb | null };
let doc: Doc;
const tenants: Record<'a' | 'b', CreatedTenant> = {} as never;
/** Ids by tenant and prefix, for path parameters and id fields. */
const ids: Record<'a' | 'b', Record<string, string[]>> = { a: {}, b: {} };
// The admin token and the upstream secrets inside the known-good seed bodies.
const secrets = new Set<string>([ADMIN_TOKEN, 'upstream-header-secret', 'fl_live_secret_key_123']);

beforeAll(async () => {
  // With a stream hub, as the Node runtime serves it: a stream that opens is closed at once below.
  api = await startApi({ deps: (db) => ({ streams: new StreamHub({ latestSeq: () => feedCounter(db) }) }) });
  tenants.a = seedTenant(api, 'alpha');
  tenants.b = seedTenant(api, 'beta');
  for (const side of ['a', 'b'] as const) {
    const t = tenants[side];
    secrets.add(t.apiKey).add(t.signingSecret);
    const add = (prefix: string, id: string) => (ids[side][prefix] ??= []).push(id);
    const call = async (path: string, json: unknown) => {
      const res = await api.fetch(path, { method: 'POST', key: t.apiKey, json });
      expect(res.status, path).toBeLessThan(300);
      return body(res);
    };
    const conn = await call('/v1/connections', { provider: 'fotolabs', credentials: { apiKey: `${SECRET_MARK}conn${side}` } });
    add('conn', conn.id);
    add('sub', (await call('/v1/subscriptions', { url: `https://example.com/hooks/${side}` })).id);
    const job = await call('/v1/jobs', fotolabsJob({ externalId: `ext-${side}`, credentials: undefined, connectionId: conn.id }));
    add('job', job.id);
    add('job', (await call('/v1/jobs', httpJob({ externalId: `http-${side}` }))).id);
    const evt = seedEvent(api, { id: job.id, tenantId: t.id, callbackUrl: job.callbackUrl }, 1);
    add('evt', evt);
    for (const d of api.db.prepare<{ id: string }>('SELECT id FROM deliveries WHERE tenant_id = ?').all(t.id)) add('msg', d.id);
    for (const s of (await body(await api.fetch('/v1/signing-secrets', { key: t.apiKey }))).data) add('sec', s.id);
    add('tnt', t.id);
  }
  doc = await body(await api.fetch('/openapi.json'));
});

afterAll(async () => {
  await api.stop();
  api.temp?.cleanup();
});

/** Per table, one query that dumps its rows as text; columns that only record use (last_used...) are left out. */
let dumps: Array<{ name: string; sql: string }> | null = null;

/** Every table's rows, hashed. SQLite builds one string per table: far cheaper than a JS object per row. */
function snapshot(): string {
  dumps ??= api.db
    .prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map(({ name }) => {
      const columns = api.db
        .prepare<{ name: string }>(`SELECT name FROM pragma_table_info('${name}')`)
        .all()
        .map((c) => c.name)
        .filter((c) => !/^last_used/.test(c));
      const row = columns.map((c) => `quote("${c}")`).join(" || ',' || ");
      return { name, sql: `SELECT group_concat(r, char(10)) AS t FROM (SELECT ${row} AS r FROM "${name}" ORDER BY 1)` };
    });
  const hash = createHash('sha256');
  for (const { name, sql } of dumps) hash.update(name).update(api.db.prepare<{ t: string | null }>(sql).get()?.t ?? '');
  return hash.digest('hex');
}

interface FuzzRequest {
  operation: string;
  method: string;
  path: string;
  query: Array<[string, string]>;
  auth: 'a' | 'b' | 'admin' | 'none' | 'garbage';
  contentType: string | undefined;
  body: string | Uint8Array | undefined;
  /** The path names an object of the tenant not making the request. */
  foreignId: boolean;
}

const idPrefixFor = (path: string): string[] =>
  path.startsWith('/v1/jobs') ? ['job'] : path.startsWith('/v1/deliveries') ? ['msg'] : path.startsWith('/v1/subscriptions') ? ['sub'] : path.startsWith('/v1/connections') ? ['conn'] : path.startsWith('/v1/signing-secrets') ? ['sec'] : path.startsWith('/v1/tenants') ? ['tnt'] : ['job', 'msg', 'sub', 'conn', 'sec', 'tnt', 'evt', 'key'];

const garbageIds = fc.constantFrom(
  '',
  '.',
  '..',
  '%2e%2e',
  '%00',
  '%',
  '%zz',
  '%ED%A0%80',
  '%F0%9F%98%80',
  'job_',
  `job_${'A'.repeat(500)}`,
  'job_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A',
  'sub_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A',
  "1' OR '1'='1",
  'null',
  '__proto__',
  'a/b',
);

/** An id field's value: ours, the other tenant's, or garbage. Records which. */
function idArbitrary(prefixes: string[], spareFixtures = false): fc.Arbitrary<{ value: string; encoded: boolean; foreign: boolean }> {
  const from = (side: 'a' | 'b') => (spareFixtures ? [] : prefixes.flatMap((p) => ids[side][p] ?? []));
  const own = from('a');
  const foreign = from('b');
  return fc.oneof(
    ...(own.length ? [{ arbitrary: fc.constantFrom(...own).map((value) => ({ value, encoded: false, foreign: false })), weight: 5 }] : []),
    ...(foreign.length ? [{ arbitrary: fc.constantFrom(...foreign).map((value) => ({ value, encoded: false, foreign: true })), weight: 3 }] : []),
    { arbitrary: garbageIds.map((value) => ({ value, encoded: true, foreign: false })), weight: 2 },
    { arbitrary: fc.constantFrom(...prefixes).map((p) => ({ value: newId(p as never, Date.now()), encoded: false, foreign: false })), weight: 1 },
    { arbitrary: hostileValue.map((v) => ({ value: String(JSON.stringify(v)).slice(0, 300), encoded: false, foreign: false })), weight: 1 },
  );
}

const URLS = fc.constantFrom(
  'https://example.com/hooks/fuzz',
  'https://hooks.example.com/b?x=1#frag',
  'http://example.com/plain',
  'https://10.0.0.1/x',
  'https://foo.internal.test/',
  'https://mixed.test/',
  'https://[::1]/',
  'https://nxdomain.test/',
  'https://169.254.169.254/latest/meta-data',
  'ftp://example.com/',
  'not a url',
  'https://api.example.com/jobs/{externalId}',
  'https://user:pass@example.com/',
  `https://example.com/${'a'.repeat(3000)}`,
);

const hint: Hint = (name) => {
  switch (name) {
    case 'url':
    case 'callbackUrl':
      return URLS;
    case 'connectionId':
      return idArbitrary(['conn']).map((i) => i.value);
    case 'subscriptionId':
      return idArbitrary(['sub']).map((i) => i.value);
    case 'jobId':
      return idArbitrary(['job']).map((i) => i.value);
    case 'apiKey':
      return secretValue;
    case 'headers':
      return fc.dictionary(fc.constantFrom('authorization', 'x-api-key', 'bad header', '', 'x-\u00e9'), secretValue, { maxKeys: 3 });
    case 'metadata':
      return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
    case 'statusPath':
    case 'progressPath':
    case 'errorMessagePath':
      return fc.constantFrom('/data/status', '', '/a~1b/~0c', '/bad~2', 'no-slash', `/${'a/'.repeat(400)}`, '/0/1');
    default:
      return undefined;
  }
};

/**
 * Bodies from the schema, and known-good ones for the richest schemas: a schema-random JobCreate
 * rarely passes the cross-field rules, and the handler code behind them deserves hostile input too.
 */
function validBody(schema: Schema): fc.Arbitrary<unknown> {
  const generated = schemaArbitrary(doc, schema, hint);
  const seeds = schema.$ref === '#/components/schemas/JobCreate' ? [fotolabsJob(), httpJob(), fotolabsJob({ credentials: undefined, connectionId: ids.a.conn![0] })] : [];
  return seeds.length ? fc.oneof({ arbitrary: generated, weight: 1 }, { arbitrary: fc.constantFrom(...seeds), weight: 2 }) : generated;
}

/** Operations with a body have the most to validate; registering a job the most of all. */
const weightOf = (op: Schema): number =>
  op.requestBody?.content?.['application/json']?.schema?.$ref === '#/components/schemas/JobCreate' ? 20 : op.requestBody ? 5 : 1;

function operationArbitrary(path: string, method: string, op: Schema): fc.Arbitrary<FuzzRequest> {
  const params: Schema[] = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  const security = JSON.stringify(op.security ?? []);
  const normalAuth: FuzzRequest['auth'] = security.includes('adminToken') ? 'admin' : security.includes('bearerAuth') ? 'a' : 'none';
  const auth = fc.oneof(
    { arbitrary: fc.constant(normalAuth), weight: 12 },
    { arbitrary: fc.constantFrom<FuzzRequest['auth']>('a', 'b', 'admin', 'none', 'garbage'), weight: 1 },
  );
  const pathValues = fc.tuple(
    ...pathParams.map((p) =>
      p.schema?.enum
        ? fc.oneof(fc.constantFrom(...(p.schema.enum as string[])).map((value) => ({ value, encoded: false, foreign: false })), idArbitrary(['job']))
        : // Deleting a fixture tenant would leave the rest of the run answering 401.
          idArbitrary(idPrefixFor(path), method === 'delete' && path.startsWith('/v1/tenants')),
    ),
  );
  const queryValue = (p: Schema) =>
    fc.oneof(
      { arbitrary: schemaArbitrary(doc, p.schema ?? {}, hint, p.name).map((v) => String(v)), weight: 4 },
      { arbitrary: hostileValue.map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')).map((s) => s.slice(0, 4000)), weight: 2 },
    );
  const query = fc
    .tuple(
      ...queryParams.map((p) => fc.option(queryValue(p), { nil: undefined, freq: 2 }).map((v) => (v === undefined ? [] : [[p.name, v] as [string, string]]))),
      fc.option(fc.tuple(fc.constantFrom(...(queryParams.map((p) => p.name as string).concat(['unknown', '__proto__']))), fc.string({ maxLength: 6 })), { freq: 4 }),
    )
    .map((parts) => {
      const extra = parts.pop() as [string, string] | null;
      const pairs = (parts as Array<Array<[string, string]>>).flat();
      // A duplicate (`limit=1&limit=2`) or an unknown parameter, now and then.
      if (extra) pairs.push(extra);
      return pairs;
    });
  const jsonSchema = op.requestBody?.content?.['application/json']?.schema;
  const bodyArb: fc.Arbitrary<{ body: string | Uint8Array | undefined; contentType: string | undefined }> = jsonSchema
    ? fc.oneof(
        {
          arbitrary: fc.tuple(mutated(validBody(jsonSchema)), fc.constantFrom(200, 20_000, 40_000), contentTypes).map(([b, depth, type]) => ({
            body: serialize(b, depth),
            contentType: type,
          })),
          weight: 10,
        },
        { arbitrary: fc.tuple(rawBodies, contentTypes).map(([b, type]) => ({ body: b, contentType: type })), weight: 1 },
      )
    : fc.oneof(
        { arbitrary: fc.constant({ body: undefined, contentType: undefined }), weight: 8 },
        { arbitrary: fc.tuple(rawBodies, contentTypes).map(([b, type]) => ({ body: b, contentType: type })), weight: 1 },
      );
  return fc.record({ auth, pathValues, query, body: bodyArb }).map(({ auth: who, pathValues: values, query: q, body: b }) => {
    let concrete = path;
    pathParams.forEach((p, i) => {
      const v = values[i]!;
      concrete = concrete.replace(`{${p.name}}`, v.encoded ? v.value : encodeLoosely(v.value));
    });
    return {
      operation: `${method.toUpperCase()} ${path}`,
      method: method.toUpperCase(),
      path: concrete,
      query: q,
      auth: who,
      contentType: b.contentType,
      body: b.body,
      foreignId: values.some((v) => v.foreign),
    };
  });
}

/** encodeURIComponent, but a lone surrogate goes out as the (invalid) UTF-8 a sloppy client sends. */
const encodeLoosely = (s: string): string =>
  s
    .split(/(\p{Cs})/u)
    .map((part) => (/^\p{Cs}$/u.test(part) ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('');

async function send(r: FuzzRequest): Promise<{ status: number; contentType: string | null; text: string }> {
  const headers: Record<string, string> = {};
  const key = { a: tenants.a.apiKey, b: tenants.b.apiKey, admin: ADMIN_TOKEN, none: undefined, garbage: 'ph_not_a_key\u00e9' }[r.auth];
  if (key) headers.authorization = `Bearer ${key.replace(/[^\x20-\x7e]/g, '?')}`;
  if (r.contentType !== undefined) headers['content-type'] = r.contentType;
  const search = r.query.length ? `?${r.query.map(([k, v]) => `${encodeLoosely(k)}=${encodeLoosely(v)}`).join('&')}` : '';
  const res = await fetch(`${api.url}${r.path}${search}`, {
    method: r.method,
    headers,
    body: r.method === 'GET' || r.method === 'HEAD' ? undefined : (r.body as BodyInit | undefined),
  });
  const contentType = res.headers.get('content-type');
  if (res.ok && contentType?.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, contentType, text: '' };
  }
  return { status: res.status, contentType, text: await res.text() };
}

function collectSecrets(value: unknown, depth = 0): void {
  if (depth > 8 || typeof value !== 'object' || value === null) return;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' && /^(apiKey|signingSecret|secret|key|token)$/.test(k) && v.length >= 16) secrets.add(v);
    else collectSecrets(v, depth + 1);
  }
}

describe('OpenAPI-driven fuzzing', () => {
  test(`${RUNS} generated requests over every operation: no 5xx, problems on 4xx, rejected requests change nothing, no secret logged`, async () => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, op]) => ({ arbitrary: operationArbitrary(path, method, op as Schema), weight: weightOf(op as Schema) })),
    );
    expect(operations.length).toBeGreaterThan(20);
    const requests = fc.sample(fc.oneof(...operations.map(({ arbitrary, weight }) => ({ arbitrary, weight }))), { seed: SEED, numRuns: RUNS });
    const failures: string[] = [];
    const seen = new Map<string, Set<number>>();
    // total_changes() counts every row the app's connection wrote: the full checksum is only
    // recomputed when it moved, and then compared.
    const totalChanges = () => api.db.prepare<{ n: number }>('SELECT total_changes() AS n').get()!.n;
    let changes = totalChanges();
    let before = snapshot();
    for (const r of requests) {
      const res = await send(r);
      (seen.get(r.operation) ?? seen.set(r.operation, new Set()).get(r.operation)!).add(res.status);
      const where = `${r.method} ${r.path.slice(0, 120)} q=${JSON.stringify(r.query).slice(0, 120)} auth=${r.auth} type=${r.contentType} body=${String(typeof r.body === 'string' ? r.body : r.body ? `<${r.body.length} bytes>` : '').slice(0, 200)}`;
      if (res.status >= 500) failures.push(`${res.status} ${where} -> ${res.text.slice(0, 300)}`);
      const changesAfter = totalChanges();
      const after = changesAfter === changes ? before : snapshot();
      changes = changesAfter;
      if (res.status >= 400) {
        let problem: { type?: unknown; status?: unknown; title?: unknown; detail?: unknown } = {};
        try {
          problem = JSON.parse(res.text);
        } catch {
          // reported below
        }
        const isProblem =
          res.contentType === 'application/problem+json' &&
          typeof problem.type === 'string' &&
          problem.type.startsWith(PROBLEM_BASE) &&
          problem.status === res.status &&
          typeof problem.title === 'string' &&
          typeof problem.detail === 'string';
        if (!isProblem) failures.push(`not a problem: ${res.status} ${res.contentType} ${where} -> ${res.text.slice(0, 200)}`);
        if (after !== before) failures.push(`rejected (${res.status}) but rows changed: ${where}`);
      } else {
        if (r.foreignId && r.auth === 'a') failures.push(`another tenant's object answered ${res.status}: ${where}`);
        // Nothing of tenant b ever shows in an answer to tenant a, whatever was asked.
        const leakedId = r.auth === 'a' ? Object.values(ids.b).flat().find((id) => res.text.includes(id)) : undefined;
        if (leakedId) failures.push(`tenant b's ${leakedId} in an answer to tenant a: ${where}`);
        try {
          collectSecrets(JSON.parse(res.text));
        } catch {
          // not JSON (docs, metrics)
        }
      }
      before = after;
    }

    const log = JSON.stringify(api.logs, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack } : v));
    const leaked = [...secrets].filter((s) => log.includes(s));
    if (log.includes(SECRET_MARK)) leaked.push(`a value marked ${SECRET_MARK}`);

    expect(failures.slice(0, 15)).toEqual([]);
    expect(leaked).toEqual([]);
    // Coverage, so a generator gone wrong cannot pass by sending nothing interesting.
    const statuses = new Set([...seen.values()].flatMap((s) => [...s]));
    for (const status of [200, 201, 401, 404, 413, 415, 422]) expect(statuses, `status ${status} seen`).toContain(status);
    expect(seen.size).toBe(operations.length);
  }, 120_000);
});
