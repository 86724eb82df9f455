/**
 * A tenant split across N shards by job id (`POST /v1/tenants?shards=N`, admin). Its key names
 * the group (`<base><N>`); member i is the Durable Object `<base>.<i>`, holding a full copy of
 * the tenant's tenant-wide rows (keys, signing secrets, subscriptions, connections) and the
 * jobs whose `hash(provider, externalId) mod N` is i, with their events and deliveries.
 * - tenant-wide writes go to member 0, whose rows are then copied to every member;
 * - tenant-wide reads go to member 0;
 * - `POST /v1/jobs` goes to the job's member (registering the same upstream job again finds it);
 * - a job's or a delivery's own routes ask every member (ids are unique; one answers, the
 *   others 404), and the two lists merge the members' pages by id (the same keyset cursors).
 */
import type { DurableObjectNamespace, DurableObjectStub } from './platform.ts';
import { MAX_TENANT_SHARDS } from '../../http/schemas/tenants.ts';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const BASE_LENGTH = 10;

/** `<base><N>` for a split tenant's group; null for a one-shard id. */
export function parseGroup(shard: string): { base: string; members: number } | null {
  if (shard.length !== BASE_LENGTH + 1) return null;
  const members = ALPHABET.indexOf(shard[BASE_LENGTH]!);
  return members >= 2 && members <= MAX_TENANT_SHARDS ? { base: shard.slice(0, BASE_LENGTH), members } : null;
}

export const groupId = (base: string, members: number): string => `${base}${ALPHABET[members]}`;
export const memberName = (base: string, i: number): string => `${base}.${i}`;

/** FNV-1a of provider and external id: the member that holds the job. */
export function memberOf(provider: string, externalId: string, members: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${provider}\u0000${externalId}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % members;
}

/** Copies member 0's tenant-wide rows of a tenant (named by a key, or by id) to every other member. */
export async function replicateTenant(stubs: DurableObjectStub[], who: { authorization: string } | { tenantId: string }): Promise<void> {
  const exported =
    'tenantId' in who
      ? await stubs[0]!.fetch(`https://shard/__shard/export?tenant=${encodeURIComponent(who.tenantId)}`)
      : await stubs[0]!.fetch('https://shard/__shard/export', { headers: { authorization: who.authorization } });
  if (!exported.ok) throw new Error(`tenant export failed: ${exported.status}`);
  const rows = await exported.text();
  await Promise.all(stubs.slice(1).map(async (s) => {
    const res = await s.fetch('https://shard/__shard/import', { method: 'POST', body: rows });
    if (!res.ok) throw new Error(`tenant copy failed: ${res.status} ${await res.text()}`);
  }));
}

const JOB_OR_DELIVERY = /^\/v1\/(jobs|deliveries)\/[^/]+/;
const LIST = /^\/v1\/(jobs|deliveries)$/;

/** Serves one request of a split tenant (its Authorization already the members' key). */
export const membersOf = (ns: DurableObjectNamespace, group: { base: string; members: number }): DurableObjectStub[] =>
  Array.from({ length: group.members }, (_, i) => ns.get(ns.idFromName(memberName(group.base, i))));

export async function serveSplit(ns: DurableObjectNamespace, group: { base: string; members: number }, request: Request): Promise<Response> {
  const stubs = membersOf(ns, group);
  const path = new URL(request.url).pathname;
  if (path === '/v1/jobs' && request.method === 'POST') {
    const text = await request.text();
    let target = 0;
    try {
      const body = JSON.parse(text) as { provider?: unknown; externalId?: unknown };
      if (typeof body.provider === 'string' && typeof body.externalId === 'string') target = memberOf(body.provider, body.externalId, group.members);
    } catch {
      // member 0 answers the invalid body
    }
    return stubs[target]!.fetch(new Request(request, { body: text }));
  }
  if (JOB_OR_DELIVERY.test(path) || (path === '/v1/deliveries/recover' && request.method === 'POST')) {
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.text();
    const answers = await Promise.all(stubs.map((s) => s.fetch(new Request(request, { body }))));
    return answers.find((r) => r.status !== 404) ?? answers[0]!;
  }
  if (LIST.test(path) && request.method === 'GET') return mergeLists(stubs, request);
  const res = await stubs[0]!.fetch(request);
  if (request.method !== 'GET' && request.method !== 'HEAD' && res.status < 300) {
    await replicateTenant(stubs, { authorization: request.headers.get('authorization') ?? '' });
  }
  return res;
}

/** Every member's page after the same cursor, merged newest id first, cut to the page size. */
async function mergeLists(stubs: DurableObjectStub[], request: Request): Promise<Response> {
  const answers = await Promise.all(stubs.map((s) => s.fetch(new Request(request))));
  const failed = answers.find((r) => r.status !== 200);
  if (failed) return failed;
  const pages = (await Promise.all(answers.map((r) => r.json()))) as Array<{ data: Array<{ id: string }>; nextCursor: string | null }>;
  const limit = Number(new URL(request.url).searchParams.get('limit') ?? 50) || 50;
  const all = pages.flatMap((p) => p.data).sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const kept = all.slice(0, limit);
  const more = all.length > limit || pages.some((p) => p.nextCursor !== null);
  const last = kept[kept.length - 1];
  const nextCursor = more && last ? btoa(last.id).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : null;
  return Response.json({ data: kept, nextCursor });
}
