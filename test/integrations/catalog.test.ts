import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, seedTenant, type Api } from '../http/harness.ts';
import type { TempDb } from '../helpers/db.ts';
import { ALL_EVENT_TYPES, isOperationalType } from '../../src/core/types.ts';
import { EventPayloadSchema, OperationalPayloadSchema } from '../../src/http/schemas/eventTypes.ts';
import { enqueueDeliveries } from '../../src/store/queries/enqueueDeliveries.ts';
import { buildEventBody } from '../../src/core/eventPayload.ts';
import { newId } from '../../src/core/ids.ts';
import { appendEvents, seedJobRow } from './support.ts';

let api: Api & { temp: TempDb | null };
let t: ReturnType<typeof seedTenant>;

beforeAll(async () => {
  api = await startApi();
  t = seedTenant(api, 'catalog');
});
afterAll(async () => {
  await api.stop();
  api.temp?.cleanup();
});

describe('GET /v1/event-types', () => {
  it('lists every type with a description, the payload schema of the OpenAPI document and a valid example', async () => {
    const res = await api.fetch('/v1/event-types', { key: t.apiKey });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as any;
    expect(data.map((e: any) => e.type)).toEqual([...ALL_EVENT_TYPES]);
    const doc = (await (await api.fetch('/openapi.json')).json()) as any;
    for (const entry of data) {
      expect(entry.description.length).toBeGreaterThan(10);
      const operational = isOperationalType(entry.type);
      expect(entry.schema).toEqual(doc.components.schemas[operational ? 'OperationalEventPayload' : 'EventPayload']);
      expect(entry.example.type).toBe(entry.type);
      expect((operational ? OperationalPayloadSchema : EventPayloadSchema).safeParse(entry.example).success).toBe(true);
    }
    expect(data.find((e: any) => e.type === 'job.progress').default).toBe(false);
    // The feed's payload is that component.
    expect(doc.components.schemas.FeedEvent.properties.payload).toEqual({
      anyOf: [{ $ref: '#/components/schemas/EventPayload' }, { $ref: '#/components/schemas/OperationalEventPayload' }],
    });
  });

  it('describes what the service really sends', () => {
    const job = seedJobRow(api.db, t.id);
    appendEvents(api.db, { id: job, tenantId: t.id, metadata: { a: 1 } }, 1, { type: 'job.running' });
    const body = api.db.prepare<{ body: string }>('SELECT body FROM events WHERE job_id = ?').get(job)!.body;
    expect(EventPayloadSchema.safeParse(JSON.parse(body)).success).toBe(true);
  });
});

describe('subscription filters', () => {
  it('are validated with the path of each mistake, shown, changed and removed', async () => {
    const bad = await api.fetch('/v1/subscriptions', {
      method: 'POST',
      key: t.apiKey,
      json: { url: 'https://example.com/a', filter: { providers: ['nope'], metadata: { 'a b': 1, ok: { nested: true } }, extra: 1 } },
    });
    expect(bad.status).toBe(422);
    const paths = ((await bad.json()) as any).errors.map((e: any) => e.path);
    expect(paths.sort()).toEqual(['filter.extra', 'filter.metadata.ok', 'filter.metadata["a b"]', 'filter.providers[0]'].sort());

    const created = await api.fetch('/v1/subscriptions', {
      method: 'POST',
      key: t.apiKey,
      json: { url: 'https://example.com/a', filter: { providers: ['topaz'], metadata: { customer: 'c-1' } } },
    });
    expect(created.status).toBe(201);
    const sub = (await created.json()) as any;
    expect(sub.filter).toEqual({ providers: ['topaz'], metadata: { customer: 'c-1' } });
    const shown = (await (await api.fetch(`/v1/subscriptions/${sub.id}`, { key: t.apiKey })).json()) as any;
    expect(shown.filter).toEqual(sub.filter);
    const patched = (await (await api.fetch(`/v1/subscriptions/${sub.id}`, { method: 'PATCH', key: t.apiKey, json: { filter: { metadata: { tier: 2 } } } })).json()) as any;
    expect(patched.filter).toEqual({ metadata: { tier: 2 } });
    const cleared = (await (await api.fetch(`/v1/subscriptions/${sub.id}`, { method: 'PATCH', key: t.apiKey, json: { filter: null } })).json()) as any;
    expect(cleared.filter).toBeNull();
  });

  it('decide which subscriptions an event is delivered to', async () => {
    const tenant = seedTenant(api, 'fanout');
    // One URL each: overlapping subscriptions to one URL are refused (they would deliver twice).
    const make = async (path: string, filter?: unknown) =>
      ((await (await api.fetch('/v1/subscriptions', { method: 'POST', key: tenant.apiKey, json: { url: `https://example.com/${path}`, ...(filter ? { filter } : {}) } })).json()) as any).id as string;
    const all = await make('all');
    const topaz = await make('topaz', { providers: ['topaz'] });
    const c1 = await make('c1', { metadata: { customer: 'c-1' } });
    const topazC1Tier2 = await make('topaz-c1-tier2', { providers: ['topaz'], metadata: { customer: 'c-1', tier: 2 } });

    const targetsOf = (provider: string, metadata: unknown) => {
      const now = api.clock.now();
      const jobId = seedJobRow(api.db, tenant.id, { provider, metadata, now });
      const eventId = newId('evt', now);
      const body = buildEventBody({
        type: 'job.succeeded',
        now,
        job: { id: jobId, provider, externalId: jobId, metadata },
        sequence: 1,
        state: 'succeeded',
        previousState: 'running',
        upstreamStatus: 'done',
        progress: null,
        result: { urls: [] },
        error: null,
        upstream: null,
        observedAt: now,
      });
      api.db.transaction(() => {
        api.db.prepare('INSERT INTO events (id, job_id, tenant_id, sequence, type, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(eventId, jobId, tenant.id, 1, 'job.succeeded', body, now);
        enqueueDeliveries(api.db, { tenantId: tenant.id, jobId, eventId, sequence: 1, type: 'job.succeeded', callbackUrl: null, callbackEvents: null, body }, now);
      });
      return api.db.prepare<{ s: string }>('SELECT subscription_id AS s FROM deliveries WHERE event_id = ?').all(eventId).map((r) => r.s).sort();
    };
    expect(targetsOf('pictory', null)).toEqual([all].sort());
    expect(targetsOf('topaz', { customer: 'c-2' })).toEqual([all, topaz].sort());
    expect(targetsOf('pictory', { customer: 'c-1', tier: 2 })).toEqual([all, c1].sort());
    expect(targetsOf('topaz', { customer: 'c-1', tier: 2 })).toEqual([all, topaz, c1, topazC1Tier2].sort());
    expect(targetsOf('topaz', { customer: 'c-1', tier: '2' })).toEqual([all, topaz, c1].sort()); // 2 is not "2"
  });
});
