/** RFC 6901 JSON Pointers, read-only. `""` is the whole document; `~1` is `/`, `~0` is `~`. */

export class JsonPointerError extends Error {
  override name = 'JsonPointerError';
}

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPointerError(`JSON Pointer must be empty or start with "/": ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) throw new JsonPointerError(`invalid escape in JSON Pointer: ${pointer}`);
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

export const isValidPointer = (pointer: string): boolean => {
  try {
    parsePointer(pointer);
    return true;
  } catch {
    return false;
  }
};

/** The value at the pointer, or undefined when any step is missing. Array indexes are decimal. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  let current = document;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
      current = current[Number(token)];
    } else if (current !== null && typeof current === 'object') {
      if (!Object.prototype.hasOwnProperty.call(current, token)) return undefined;
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return current;
}

/**
 * Why a pointer cannot go into a job's spec, or null. Stricter than parsePointer, which still
 * reads stored specs as they are: a segment shaped like an array index that is not one (`-1`,
 * `01`, `-`) is refused, because it never selects an array element and is nearly always a
 * mistaken index (a Python-style `-1` for "last", `01` for `1`). The price: object keys spelled
 * exactly like that cannot be reached (docs/providers.md says so).
 */
export function pointerProblem(pointer: string): string | null {
  if (pointer === '') return null;
  if (!pointer.startsWith('/')) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(pointer)) return 'must be a JSON Pointer into the status body (like "/data/url"), not a URL';
    const guess = pointerFromDotted(pointer);
    return `must be a JSON Pointer: "" or starting with "/"${guess ? ` (did you mean "${guess}"?)` : ''}`;
  }
  const tokens = pointer.slice(1).split('/');
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const at = `segment ${i + 1} ("${token}")`;
    if (/~(?![01])/.test(token)) return `${at} has a "~" not followed by 0 or 1: write "~0" for "~" and "~1" for "/"`;
    if (token === '-') return `${at} names the position after an array's last element, which never holds a value`;
    if (/^-\d+$/.test(token)) return `${at} is not an array index: indexes count from 0 at the start, none are negative`;
    if (/^0\d+$/.test(token)) return `${at} is not an array index: no leading zeros (write "${token.replace(/^0+(?=\d)/, '')}")`;
  }
  return null;
}

/** `data.status`, `$.data.items[0].status` as a pointer, for the hint; null when not that shape. */
function pointerFromDotted(path: string): string | null {
  const dotted = path.replace(/^\$?\.?/, '').replace(/\[(\d+)\]/g, '.$1');
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(dotted)) return null;
  return `/${dotted.split('.').join('/')}`;
}
