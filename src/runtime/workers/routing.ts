/**
 * Shard routing from the request alone. A tenant lives in one shard (a Durable Object named by
 * its shard id). Keys minted on Workers carry it: `ph_<shard><tag>_<key>`, where `ph_<key>` is
 * the key the shard stores (its SHA-256), so the shard authenticates exactly as Node does.
 * `<tag>` is an HMAC of the shard id under the master key: a made-up shard id is never routed,
 * so no request can create Durable Objects at will. Shard ids and tags are lower-case letters
 * and digits, so the first `_` after `ph_` ends them.
 */
export const DEFAULT_SHARD = '0';
const TAG_LENGTH = 6;
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const SHARD_ID = /^[a-z0-9]{1,16}$/;
const ROUTED_KEY = /^([Bb][Ee][Aa][Rr][Ee][Rr][ ]+)ph_([a-z0-9]{2,22})_(\S+)\s*$/;
const KEY_FIELDS = /"(apiKey|key)":"ph_/g;

export interface Route {
  shard: string;
  /** The Authorization header the shard sees (the shard id taken out of the key). */
  authorization: string;
}

const keys = new Map<string, Promise<CryptoKey>>();
const hmacKey = (secret: string) => {
  let k = keys.get(secret);
  if (!k) {
    k = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(secret, k);
  }
  return k;
};

/** The shard id with its tag, as keys carry it. */
export async function taggedShard(secret: string, shard: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), new TextEncoder().encode(`pollhook-shard:${shard}`)));
  let tag = '';
  for (let i = 0; i < TAG_LENGTH; i++) tag += ALPHABET[mac[i]! & 31];
  return `${shard}${tag}`;
}

/** The shard a request's key names, or null (no Workers key, or a tag that does not match). */
export async function routeOf(authorization: string | null, secret: string | undefined): Promise<Route | null> {
  const m = authorization && secret ? ROUTED_KEY.exec(authorization) : null;
  if (!m) return null;
  const shard = m[2]!.slice(0, -TAG_LENGTH);
  if (!isShardId(shard) || (await taggedShard(secret!, shard)) !== m[2]) return null;
  return { shard, authorization: `${m[1]}ph_${m[3]}` };
}

export const isShardId = (s: string): boolean => SHARD_ID.test(s);

/** A new tenant's shard: 10 random base-32 characters. */
export function newShardId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return Array.from(bytes, (b) => ALPHABET[b & 31]).join('');
}

/** A key the shard minted (`ph_<key>`), as the client gets it (`ph_<shard><tag>_<key>`). */
export async function routedKey(secret: string, shard: string, key: string): Promise<string> {
  return key.replace(/^ph_/, `ph_${await taggedShard(secret, shard)}_`);
}

/**
 * Puts the tagged shard id into the API keys a shard's JSON answer shows once (`"apiKey"` or
 * `"key"`), leaving every other string (job metadata is the user's) as it is.
 */
export async function withShardInKeys(res: Response, secret: string, shard: string): Promise<Response> {
  if (!(res.headers.get('content-type') ?? '').includes('json')) return res;
  const text = await res.text();
  const tagged = await taggedShard(secret, shard);
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  const init = { status: res.status, statusText: res.statusText, headers };
  return new Response(text.replace(KEY_FIELDS, (_m, field: string) => `"${field}":"ph_${tagged}_`), init);
}
