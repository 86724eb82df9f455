/**
 * The Worker entry: finds the request's shard from the request alone and hands the request to
 * that shard's Durable Object, which serves the same Hono app as Node (src/http).
 * - `Authorization: Bearer ph_<shard><tag>_...` with a valid tag: that shard.
 * - `POST /v1/tenants` (admin): a new shard for the new tenant; the answer's key carries it, and
 *   the directory records the tenant.
 * - anything else (documents, /readyz, bad or missing keys): the default shard, which answers it
 *   as Node would (401 for a key no shard knows).
 */
import { PollhookShard } from './shard.ts';
import { PollhookDirectory } from './directory.ts';
import { DEFAULT_SHARD, newShardId, routeOf, withShardInKeys } from './routing.ts';
import type { WorkersEnv } from './env.ts';

export { PollhookShard, PollhookDirectory };

const problem = (status: number, title: string, detail: string) =>
  Response.json({ type: 'about:blank', title, status, detail }, { status, headers: { 'content-type': 'application/problem+json' } });

export default {
  async fetch(request: Request, env: WorkersEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/healthz') return Response.json({ status: 'ok' });
    if (url.pathname.startsWith('/__')) return problem(404, 'Not Found', `No route for ${request.method} ${url.pathname}.`);

    const shardOf = (shard: string) => env.SHARDS.get(env.SHARDS.idFromName(shard));
    const secret = env.POLLHOOK_MASTER_KEY;
    if (!secret) return shardOf(DEFAULT_SHARD).fetch(request); // answers the configuration error
    if (url.pathname === '/v1/tenants' && request.method === 'POST') {
      const shard = newShardId();
      const res = await shardOf(shard).fetch(request);
      if (res.status !== 201) return res;
      const created = await withShardInKeys(res, secret, shard);
      const tenant = (await created.clone().json()) as { id: string; name: string };
      await env.DIRECTORY.get(env.DIRECTORY.idFromName('directory')).fetch('https://directory/tenants', {
        method: 'POST',
        body: JSON.stringify({ id: tenant.id, name: tenant.name, shard }),
      });
      return created;
    }

    const route = await routeOf(request.headers.get('authorization'), secret);
    if (!route) return shardOf(DEFAULT_SHARD).fetch(request);
    const headers = new Headers(request.headers);
    headers.set('authorization', route.authorization);
    const forwarded = new Request(request, { headers });
    const res = await shardOf(route.shard).fetch(forwarded);
    return request.method === 'POST' ? withShardInKeys(res, secret, route.shard) : res;
  },
};
