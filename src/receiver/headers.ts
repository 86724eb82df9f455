/** Header lookup that works the same on a Fetch `Headers`, Node's `IncomingHttpHeaders` and a plain object. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

interface HeaderGetter {
  get(name: string): string | null;
}

const isGetter = (h: unknown): h is HeaderGetter =>
  typeof h === 'object' && h !== null && typeof (h as HeaderGetter).get === 'function';

/** The header's value, case-insensitively; repeated values are joined with a space. */
export function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (isGetter(headers)) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    const value = headers[key];
    if (Array.isArray(value)) return value.length > 0 ? value.join(' ') : undefined;
    return value ?? undefined;
  }
  return undefined;
}
