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
