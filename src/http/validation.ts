import type { Context } from 'hono';
import type { z } from '@hono/zod-openapi';
import { describeErrors, invalid, notFound, type FieldError } from './problem.ts';
import { MAX_JSON_DEPTH, findInJson } from '../core/jsonDepth.ts';

const MAX_LISTED_ERRORS = 50;

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
export async function validationHook(
  result: { success: true; data?: unknown; target?: string } | { success: false; error: z.ZodError; target: string; data?: unknown },
  c: Context,
): Promise<undefined> {
  if (result.success) {
    if (result.target !== 'json') return undefined;
    // The body as sent (hono caches the parse): zod's output has already dropped `__proto__` keys.
    const sent = await c.req.json().catch(() => result.data);
    const bad = findInJson(sent, MAX_JSON_DEPTH, loneSurrogate, badKey);
    if (bad) throw invalid([{ path: formatPath(bad.path), message: bad.message }]);
    return undefined;
  }
  if (result.target === 'param') throw notFound();
  throw schemaFailure(result.error, result.data, []);
}

type HookResult = Parameters<typeof validationHook>[0];

/**
 * A route's own checks of the raw input that need neither the database nor the network (URL
 * syntax, a cursor, an enum known only at start-up). When the schema fails, they run on the
 * input as sent and their errors join the schema's, so one answer lists every invalid field;
 * when it passes, the handler runs them itself (with the checks that need I/O).
 */
export function validationHookWith(target: 'json' | 'query', check: (input: Record<string, unknown>) => Array<FieldError | null>) {
  const hook = async (result: HookResult, c: Context): Promise<undefined> => {
    if (!result.success && result.target === target) {
      const input = typeof result.data === 'object' && result.data !== null ? (result.data as Record<string, unknown>) : {};
      throw schemaFailure(result.error, result.data, check(input).filter((e): e is FieldError => e !== null));
    }
    return validationHook(result, c);
  };
  // It answers only by throwing (or passes), so it fits every route's hook type; hono's types
  // would otherwise demand the route's own response type from it.
  return hook as never;
}

function schemaFailure(error: z.ZodError, input: unknown, extra: FieldError[]) {
  const errors = issuesToErrors(error.issues, input);
  for (const e of extra) if (!errors.some((known) => known.path === e.path)) errors.push(e);
  // A body of 3,000 unknown fields gets its first errors listed, not a 3,000-entry answer.
  return invalid(errors.slice(0, MAX_LISTED_ERRORS), describeErrors(errors));
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * JSON allows `"\ud800"`, but such a string has no UTF-8 form: SQLite would store invalid
 * UTF-8 and hand back U+FFFD, so the value read back (and polled, and echoed) would differ from
 * the one accepted. Checked with the nesting bound, in one iterative walk.
 */
const loneSurrogate = (node: unknown): string | null =>
  typeof node === 'string' && LONE_SURROGATE.test(node) ? 'must be well-formed Unicode (it contains a lone surrogate)' : null;

/**
 * `__proto__` is refused as a key anywhere (a value may be that string): copied into a parsed
 * object it sets the prototype instead of a field, so it would silently vanish (zod drops it).
 */
const badKey = (key: string): string | null => (key === '__proto__' ? 'is not allowed as a key' : loneSurrogate(key));
