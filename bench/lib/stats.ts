/** Small statistics and formatting helpers for benchmark figures. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export const mean = (values: readonly number[]): number =>
  values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;

/** 1234.5 -> "1,235"; small numbers keep some decimals. */
export function fmt(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

export const fmtMs = (ms: number): string => (ms >= 10_000 ? `${fmt(ms / 1000, 1)} s` : `${fmt(ms)} ms`);
export const fmtBytes = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${fmt(bytes / 1024 / 1024, 1)} MiB` : bytes >= 1024 ? `${fmt(bytes / 1024, 1)} KiB` : `${fmt(bytes, 0)} B`;
