/**
 * Parses a Retry-After header (RFC 9110: delay-seconds or an HTTP-date) into a delay in ms from
 * `now`. Returns null when absent or unreadable. A date in the past is a zero delay.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (value == null) return null;
  const v = value.trim();
  if (v === '') return null;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (/^\d+\.\d+$/.test(v)) return Math.round(Number(v) * 1000);
  const date = Date.parse(v);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}
