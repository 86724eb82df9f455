/**
 * Shard routing from the request alone. A tenant lives in one shard (a Durable Object named by
 * its shard id). Keys minted on Workers carry it: `ph_<shard>_<key>`, where `ph_<key>` is the
 * key the shard stores (its SHA-256), so the shard authenticates exactly as Node does. Shard ids
 * are lower-case letters and digits, so the first `_` after `ph_` ends them.
 */
export const DEFAULT_SHARD = '0';
const SHARD_ID = /^[a-z0-9]{1,16}$/;
const ROUTED_KEY = /^(Bearer[ ]+)ph_([a-z0-9]{1,16})_(\S+)\s*$/i;

export interface Route {
  shard: string;
  /** The Authorization header the shard sees (the shard id taken out of the key). */
  authorization: string | null;
}

export function routeOf(authorization: string | null): Route | null {
  const m = authorization ? ROUTED_KEY.exec(authorization) : null;
  if (!m) return null;
  return { shard: m[2]!, authorization: `${m[1]}ph_${m[3]}` };
}

export const isShardId = (s: string): boolean => SHARD_ID.test(s);

/** A new tenant's shard: 10 random base-32 characters. */
export function newShardId(): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return Array.from(bytes, (b) => alphabet[b & 31]).join('');
}

/** Puts the shard id into every API key (`"ph_...`) a shard's JSON answer shows. */
export async function withShardInKeys(res: Response, shard: string): Promise<Response> {
  if (!(res.headers.get('content-type') ?? '').includes('json')) return res;
  const text = await res.text();
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  const init = { status: res.status, statusText: res.statusText, headers };
  return new Response(text.replaceAll('"ph_', `"ph_${shard}_`), init);
}
