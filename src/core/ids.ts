/**
 * Prefixed, time-sortable ids (`job_01JD...`): a ULID body (48-bit ms time + 80 random bits,
 * Crockford base32). Sorting by id sorts by creation time, which keyset pagination relies on.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export type IdPrefix = 'tnt' | 'key' | 'sec' | 'conn' | 'job' | 'evt' | 'msg' | 'sub';

export function newId(prefix: IdPrefix, nowMs: number): string {
  return `${prefix}_${ulid(nowMs)}`;
}

export function ulid(nowMs: number): string {
  let time = '';
  let t = Math.max(0, Math.floor(nowMs));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let rand = '';
  for (let i = 0; i < 16; i++) rand += ALPHABET[bytes[i]! & 31];
  return time + rand;
}

const ID_PATTERN = /^[a-z]{2,4}_[0-9A-HJKMNP-TV-Z]{26}$/;
export const isWellFormedId = (value: string, prefix: IdPrefix): boolean =>
  value.startsWith(`${prefix}_`) && ID_PATTERN.test(value);
