import { describe, expect, it } from 'vitest';
import { cachingSecretBox } from '../../src/scheduler/secretCache.ts';
import { testSecretBox } from '../helpers/db.ts';

function counted() {
  const box = testSecretBox();
  let opens = 0;
  return {
    box: { ...box, openJson: <T>(sealed: string): T => (opens++, box.openJson<T>(sealed)) },
    opens: () => opens,
    seal: (v: unknown) => box.sealJson(v),
  };
}

describe('cachingSecretBox', () => {
  it.each([
    { name: 'same ciphertext within the ttl', advanceMs: 59_999, sameSealed: true, opens: 1 },
    { name: 'same ciphertext after the ttl', advanceMs: 60_000, sameSealed: true, opens: 2 },
    { name: 'a new ciphertext (rotated credentials)', advanceMs: 0, sameSealed: false, opens: 2 },
  ])('opens again only when needed: $name', ({ advanceMs, sameSealed, opens }) => {
    const c = counted();
    let now = 1_000;
    const cached = cachingSecretBox(c.box, () => now);
    const first = c.seal({ apiKey: 'k1' });
    expect(cached.openJson<{ apiKey: string }>(first).apiKey).toBe('k1');
    now += advanceMs;
    const second = sameSealed ? first : c.seal({ apiKey: 'k2' });
    expect(cached.openJson<{ apiKey: string }>(second).apiKey).toBe(sameSealed ? 'k1' : 'k2');
    expect(c.opens()).toBe(opens);
  });
});
