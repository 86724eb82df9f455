/**
 * Parsed JSON can nest far deeper than recursion survives (`[[[[...` in 64 KiB is 32k levels;
 * JSON.stringify of it overflows the stack). Every walk of input uses these, iteratively.
 */

/** The default bound for any JSON that comes from outside (request bodies, upstream answers). */
export const MAX_JSON_DEPTH = 64;

/** Whether a parsed JSON value nests objects/arrays deeper than `limit` (the value itself is level 1). */
export function exceedsDepth(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * The path of the first node (depth first) for which `test` returns a message (`testKey` for
 * object keys), or of the first node deeper than `limit`; null when there is none.
 */
export function findInJson(
  value: unknown,
  limit: number,
  test: (node: unknown) => string | null,
  testKey: (key: string) => string | null = test,
): { path: PropertyKey[]; message: string } | null {
  const stack: Array<{ node: unknown; path: PropertyKey[] }> = [{ node: value, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    const message = test(node);
    if (message) return { path, message };
    if (typeof node !== 'object' || node === null) continue;
    if (path.length >= limit) return { path, message: `is nested deeper than ${limit} levels` };
    const entries: Array<[PropertyKey, unknown]> = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, v] = entries[i]!;
      const keyMessage = typeof k === 'string' && !Array.isArray(node) ? testKey(k) : null;
      if (keyMessage) return { path: [...path, k], message: keyMessage };
      stack.push({ node: v, path: [...path, k] });
    }
  }
  return null;
}
