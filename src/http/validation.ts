import type { Context } from 'hono';
import type { z } from '@hono/zod-openapi';
import { invalid, notFound, type FieldError } from './problem.ts';

type Issue = z.core.$ZodIssue;

/** `['http', 'states', 'running', 0]` -> `http.states.running[0]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** One FieldError per offending field; an unknown key is reported at its own path. */
export function issuesToErrors(issues: readonly Issue[], input?: unknown): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ path: formatPath([...issue.path, key]), message: 'unknown field' });
    } else {
      // A custom (cross-field) rule's message says what to send instead, e.g. "credentials or
      // connectionId is required": keep it.
      const missing = issue.code !== 'custom' && isMissing(input, issue.path);
      errors.push({ path: formatPath(issue.path), message: missing ? 'is required' : issue.message });
    }
  }
  return errors;
}

/** True when the field is absent from an input whose parent is there: zod's own wording varies. */
function isMissing(input: unknown, path: ReadonlyArray<PropertyKey>): boolean {
  if (path.length === 0) return false;
  let node: unknown = input;
  for (const seg of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<PropertyKey, unknown>)[seg];
  }
  return typeof node === 'object' && node !== null && (node as Record<PropertyKey, unknown>)[path[path.length - 1]!] === undefined;
}

/**
 * The zod-openapi defaultHook: validation failures become problems. A malformed path id is a
 * 404 (it cannot name anything), everything else a 422 listing each field.
 */
export function validationHook(
  result: { success: true; data?: unknown; target?: string } | { success: false; error: z.ZodError; target: string; data?: unknown },
  _c: Context,
): undefined {
  if (result.success) {
    const bad = result.target === 'json' ? findLoneSurrogate(result.data, []) : null;
    if (bad) throw invalid([{ path: formatPath(bad), message: 'must be well-formed Unicode (it contains a lone surrogate)' }]);
    return undefined;
  }
  if (result.target === 'param') throw notFound();
  throw invalid(issuesToErrors(result.error.issues, result.data));
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * JSON allows `"\ud800"`, but such a string has no UTF-8 form: SQLite would store invalid
 * UTF-8 and hand back U+FFFD, so the value read back (and polled, and echoed) would differ from
 * the one accepted. The path of the first offending key or value, or null.
 */
function findLoneSurrogate(value: unknown, path: PropertyKey[]): PropertyKey[] | null {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? [...path] : null;
  if (typeof value !== 'object' || value === null) return null;
  const entries: Array<[PropertyKey, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [k, v] of entries) {
    path.push(k);
    const found = typeof k === 'string' && LONE_SURROGATE.test(k) ? [...path] : findLoneSurrogate(v, path);
    path.pop();
    if (found) return found;
  }
  return null;
}
