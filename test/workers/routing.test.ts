/** Shard routing from the request alone: the key names the shard, tagged under the master key. */
import { describe, expect, it } from 'vitest';
import { isShardId, newShardId, routeOf, routedKey, taggedShard, withShardInKeys } from '../../src/runtime/workers/routing.ts';

const SECRET = Buffer.alloc(32, 4).toString('base64');

describe('shard routing', () => {
  it('takes the tagged shard out of a Workers key and leaves the key the shard stores', async () => {
    const key = await routedKey(SECRET, 'k3x9', 'ph_Zz_y-Q');
    expect(key).toMatch(/^ph_k3x9[a-z0-9]{6}_Zz_y-Q$/);
    expect(await routeOf(`Bearer ${key}`, SECRET)).toEqual({ shard: 'k3x9', authorization: 'Bearer ph_Zz_y-Q' });
    expect((await routeOf(`bearer ${await routedKey(SECRET, '0', 'ph_abc')}`, SECRET))?.shard).toBe('0');
  });

  it('routes nothing it cannot trust: no key, other schemes, made-up shards, another master key', async () => {
    const tagged = await taggedShard(SECRET, 'ab12');
    const other = await taggedShard(Buffer.alloc(32, 5).toString('base64'), 'ab12');
    for (const h of [null, '', `Basic ph_${tagged}_x`, 'Bearer ph_', 'Bearer ph_ab12zzzzzz_x', `Bearer ph_${other}_x`, `Bearer ph_${tagged.toUpperCase()}_x`]) {
      expect(await routeOf(h, SECRET)).toBeNull();
    }
    expect(await routeOf(`Bearer ph_${tagged}_x`, undefined)).toBeNull();
  });

  it('mints shard ids that routing accepts', async () => {
    const ids = Array.from({ length: 50 }, newShardId);
    expect(ids.every(isShardId)).toBe(true);
    expect(new Set(ids).size).toBe(50);
    expect((await routeOf(`Bearer ${await routedKey(SECRET, ids[0]!, 'ph_k')}`, SECRET))?.shard).toBe(ids[0]);
  });

  it('puts the shard into shown keys only, not into the user\'s strings', async () => {
    const body = JSON.stringify({ id: 'tnt_1', apiKey: 'ph_secret', metadata: { note: 'ph_not_a_key' } });
    const res = await withShardInKeys(new Response(body, { status: 201, headers: { 'content-type': 'application/json', 'content-length': String(body.length) } }), SECRET, 'ab12');
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ id: 'tnt_1', apiKey: `ph_${await taggedShard(SECRET, 'ab12')}_secret`, metadata: { note: 'ph_not_a_key' } });
  });
});
