/** Injected randomness, so policies with jitter are deterministic under test. Returns [0, 1). */
export type Random = () => number;

export const mathRandom: Random = () => Math.random();

/** Small deterministic PRNG (mulberry32) for tests and virtual-time simulations. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
