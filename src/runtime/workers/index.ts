/**
 * The Worker entry: finds the request's shard from the request alone and hands the request to
 * that shard's Durable Object, which serves the same Hono app as Node (src/http).
 * - `Authorization: Bearer ph_<shard><tag>_...` with a valid tag: that shard.
 * - `POST /v1/tenants` (admin): a new shard for the new tenant (`?shards=N`: a group of N shards,
 *   split.ts); the answer's key carries it, and the directory records the tenant.
 * - other admin routes under `/v1/tenants/{id}`: the tenant's shard, from the directory (admin
 *   operations may look up; tenants' requests never do); `GET /v1/tenants`: every shard's
 *   answer, merged.
 * - anything else (documents, /readyz, bad or missing keys): the default shard, which answers it
 *   as Node would (401 for a key no shard knows).
 */
import { PollhookShard } from './shard.ts';
import { PollhookDirectory } from './directory.ts';
import { DEFAULT_SHARD, newShardId, routeOf, withShardInKeys } from './routing.ts';
import type { WorkersEnv } from './env.ts';
import { bearerToken } from '../../http/auth.ts';
import { groupId, memberName, membersOf, parseGroup, replicateTenant, serveSplit } from './split.ts';
import { constantTimeEqual } from '../../security/tokens.ts';
import { storageProblem } from '../../http/storageProblem.ts';
import { StorageUnavailableError } from '../../store/storageErrors.ts';
import { problemBody } from '../../http/problem.ts';
import { shardsError } from '../../http/schemas/tenants.ts';

export { PollhookShard, PollhookDirectory };

const problem = (status: number, title: string, detail: string) =>
  Response.json({ type: 'about:blank', title, status, detail }, { status, headers: { 'content-type': 'application/problem+json' } });

/**
 * workerd reports a Durable Object that broke in the middle of a request (its storage commit
 * failed under a full disk, it was reset) to the caller as a bare "internal error". Nothing of
 * that request was committed, so it is answered as a storage failure: 503, retry.
 */
const shardBroke = (err: unknown): boolean => err instanceof Error && /^internal error\b|Durable Object reset|broken\.?$/i.test(err.message);

export default {
  /**
   * A shard whose storage fails while committing (workerd commits a request's writes after its
   * handler returns, so the app's own 503 cannot see it) breaks, and its caller gets the
   * storage error: answered here as the app would, 503 `unavailable` with Retry-After, never a
   * 500. Nothing of the request was committed.
   */
  async fetch(request: Request, env: WorkersEnv): Promise<Response> {
    try {
      return await route(request, env);
    } catch (err) {
      const storage = storageProblem(shardBroke(err) ? new StorageUnavailableError('io', (err as Error).message) : err);
      if (!storage) throw err;
      return Response.json(problemBody('unavailable', storage.detail), {
        status: 503,
        headers: { 'content-type': 'application/problem+json', ...storage.headers },
      });
    }
  },
};

async function route(request: Request, env: WorkersEnv): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === '/healthz') return Response.json({ status: 'ok' });
  if (url.pathname.startsWith('/__')) return problem(404, 'Not Found', `No route for ${request.method} ${url.pathname}.`);

  const shardOf = (shard: string) => env.SHARDS.get(env.SHARDS.idFromName(shard));
  const secret = env.POLLHOOK_MASTER_KEY;
  if (!secret) return shardOf(DEFAULT_SHARD).fetch(request); // answers the configuration error
  // Admin routes go anywhere but the default shard only with the admin token: a stranger
  // creates no shard. Without it, shard 0 answers as Node does (401, or 404 with no token set).
  const isAdmin = url.pathname.startsWith('/v1/tenants') && hasAdminToken(request, env);
  if (url.pathname.startsWith('/v1/tenants') && !isAdmin) return shardOf(DEFAULT_SHARD).fetch(request);
  if (url.pathname === '/v1/tenants' && request.method === 'POST') {
    // Checked before any shard is chosen, with the app's rule and answer (the shard would repeat it).
    const split = url.searchParams.getAll('shards');
    const invalidShards = shardsError(split);
    if (invalidShards) {
      return Response.json(problemBody('validation', `shards: ${invalidShards}`, [{ path: 'shards', message: invalidShards }]), {
        status: 422,
        headers: { 'content-type': 'application/problem+json' },
      });
    }
    const members = split.length === 0 ? 1 : Number(split[0]);
    const base = newShardId();
    const shard = members === 1 ? base : groupId(base, members);
    const res = await shardOf(members === 1 ? base : memberName(base, 0)).fetch(request);
    if (res.status !== 201) return res;
    const created = await withShardInKeys(res, secret, shard);
    const tenant = (await created.clone().json()) as { id: string; name: string };
    if (members > 1) await replicateTenant(membersOf(env.SHARDS, { base, members }), { tenantId: tenant.id });
    await env.DIRECTORY.get(env.DIRECTORY.idFromName('directory')).fetch('https://directory/tenants', {
      method: 'POST',
      body: JSON.stringify({ id: tenant.id, name: tenant.name, shard }),
    });
    return created;
  }

  const directory = env.DIRECTORY.get(env.DIRECTORY.idFromName('directory'));
  const admin = /^\/v1\/tenants\/(tnt_[A-Za-z0-9]+)(\/|$)/.exec(url.pathname);
  if (admin) {
    const found = await directory.fetch(`https://directory/tenants/${admin[1]}`);
    if (found.status !== 200) return shardOf(DEFAULT_SHARD).fetch(request); // its 404 (or 401)
    const { shard } = (await found.json()) as { shard: string };
    const group = parseGroup(shard);
    const res = await shardOf(group ? memberName(group.base, 0) : shard).fetch(request);
    if (group && request.method !== 'GET' && res.status < 300) await replicateTenant(membersOf(env.SHARDS, group), { tenantId: admin[1]! });
    return request.method === 'POST' ? withShardInKeys(res, secret, shard) : res;
  }
  if (url.pathname === '/v1/tenants' && request.method === 'GET') return listTenants(request, env, directory);

  const target = await routeOf(request.headers.get('authorization'), secret);
  if (!target) return shardOf(DEFAULT_SHARD).fetch(request);
  const headers = new Headers(request.headers);
  headers.set('authorization', target.authorization);
  const forwarded = new Request(request, { headers });
  const group = parseGroup(target.shard);
  const res = group ? await serveSplit(env.SHARDS, group, forwarded) : await shardOf(target.shard).fetch(forwarded);
  return request.method === 'POST' ? withShardInKeys(res, secret, target.shard) : res;
}

/** Every shard's `GET /v1/tenants` answer (admin), merged in id order; the first error as it is. */
async function listTenants(request: Request, env: WorkersEnv, directory: { fetch(url: string): Promise<Response> }): Promise<Response> {
  const known = (await (await directory.fetch('https://directory/tenants')).json()) as { data: Array<{ shard: string }> };
  const shards = [...new Set([DEFAULT_SHARD, ...known.data.map((t) => t.shard)])];
  const answers = await Promise.all(shards.map((s) => env.SHARDS.get(env.SHARDS.idFromName(s)).fetch(new Request(request))));
  const failed = answers.find((r) => r.status !== 200);
  if (failed) return failed;
  const data: Array<{ id: string }> = [];
  for (const r of answers) data.push(...(((await r.json()) as { data?: Array<{ id: string }> }).data ?? []));
  data.sort((a, b) => a.id.localeCompare(b.id));
  return Response.json({ data, nextCursor: null });
}

function hasAdminToken(request: Request, env: WorkersEnv): boolean {
  const token = bearerToken(request.headers.get('authorization') ?? undefined);
  return Boolean(env.POLLHOOK_ADMIN_TOKEN && token && constantTimeEqual(token, env.POLLHOOK_ADMIN_TOKEN));
}
