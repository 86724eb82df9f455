import fc from 'fast-check';

/**
 * fast-check arbitraries derived from the OpenAPI document's JSON Schemas, plus the hostile
 * values a careless or malicious client sends. Only what pollhook's document uses is handled:
 * $ref, enum, anyOf/oneOf, type (or a list of types), string length/pattern/format, number
 * bounds, arrays, objects with properties/required/additionalProperties.
 */
export type Schema = { [k: string]: any };
export type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, Schema> } };

/** A field-name hint: domain values for fields whose schema alone says little (urls, ids, secrets). */
export type Hint = (name: string, schema: Schema) => fc.Arbitrary<unknown> | undefined;

/** Secret-bearing fields get values with this prefix, so the log can be searched for them. */
export const SECRET_MARK = 'sk_fuzz_';
export const secretValue = fc.stringMatching(/^[0-9a-f]{12}$/).map((s) => `${SECRET_MARK}${s}`);

/** Replaced in the serialized body by nesting far deeper than any limit. */
export const DEEP_ARRAY = '__pollhook_fuzz_deep_array__';
export const DEEP_OBJECT = '__pollhook_fuzz_deep_object__';

export function resolveRef(doc: Doc, schema: Schema): Schema {
  let s = schema;
  for (let i = 0; s?.$ref && i < 10; i++) {
    const name = String(s.$ref).replace('#/components/schemas/', '');
    s = doc.components.schemas[name]!;
  }
  return s;
}

export function schemaArbitrary(doc: Doc, raw: Schema, hint: Hint, name = '', depth = 0): fc.Arbitrary<unknown> {
  const schema = resolveRef(doc, raw);
  const hinted = hint(name, schema);
  if (hinted) return hinted;
  if (depth > 6) return fc.constant(null);
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  const union = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(union)) return fc.oneof(...union.map((s: Schema) => schemaArbitrary(doc, s, hint, name, depth + 1)));
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : ['any'];
  const arbs = types.map((t) => typed(doc, schema, t, hint, depth));
  const withExample = schema.example !== undefined ? [fc.constant(schema.example), ...arbs] : arbs;
  return withExample.length === 1 ? withExample[0]! : fc.oneof(...withExample);
}

function typed(doc: Doc, schema: Schema, type: string, hint: Hint, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string': {
      if (schema.format === 'date-time') {
        return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      }
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 24, 24));
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern, 'u')).filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
      return fc.string({ minLength, maxLength });
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = schema.items ? schemaArbitrary(doc, schema.items, hint, '', depth + 1) : fc.jsonValue({ maxDepth: 2 });
      return fc.array(items, { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) });
    }
    case 'object': {
      const props: Record<string, Schema> = schema.properties ?? {};
      const required: string[] = schema.required ?? [];
      if (Object.keys(props).length === 0) {
        return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
      }
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, sub] of Object.entries(props)) model[key] = schemaArbitrary(doc, sub, hint, key, depth + 1);
      return fc.record(model, { requiredKeys: required.filter((k) => k in props) as never[] });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

const LONE_SURROGATES = ['\ud800', 'a\udfffb', '\udc00\ud800', `job_${'\ud83d'}`];
const UNICODE = ['😀', '\u202egnp.exe', 'ｆｕｌｌｗｉｄｔｈ', 'e\u0301', '\u200b', 'שלום', '\u0000', 'a\u0007b', '\uffff', '𝕏'.repeat(300)];

/** A value of the wrong kind, size or encoding, for any field. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  // Wrong types, including objects that break String() and prototype tricks.
  {
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      0,
      -1,
      '',
      '1',
      [],
      {},
      [null],
      { '0': 'x' },
      { toString: 1, valueOf: 'x', constructor: { prototype: 1 } },
      JSON.parse('{"__proto__": {"polluted": true}}'),
    ),
    weight: 6,
  },
  { arbitrary: fc.oneof(fc.integer(), fc.constantFrom(-0, 1e308, -1e308, 2 ** 53 + 1, 0.1, 1e-320), fc.boolean()), weight: 2 },
  { arbitrary: fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 })), weight: 2 },
  { arbitrary: fc.constantFrom(...LONE_SURROGATES, ...UNICODE), weight: 3 },
  { arbitrary: fc.constantFrom('x'.repeat(5_000), 'é'.repeat(30_000), 'x'.repeat(70_000)), weight: 1 },
  { arbitrary: fc.constantFrom(DEEP_ARRAY, DEEP_OBJECT), weight: 2 },
  {
    arbitrary: fc.constantFrom<unknown>(
      Array.from({ length: 2_000 }, (_, i) => `job.${i}`),
      Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i])),
    ),
    weight: 1,
  },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
);

const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', '', ' ', 'toString', '\ud800', '😀', 'a'.repeat(1000), 'provider ', 'PROVIDER');

/** The paths of every object/array slot in a value, parents first (bounded). */
function slots(value: unknown, path: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  if (out.length > 64 || path.length > 8 || typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) {
    const p = [...path, Array.isArray(value) ? Number(k) : k];
    out.push(p);
    slots(v, p, out);
  }
  return out;
}

function setAt(root: unknown, path: Array<string | number>, value: unknown, remove: boolean): unknown {
  const copy = structuredClone(root);
  if (path.length === 0) return value;
  let node = copy as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) delete node[last];
  else if (last === '__proto__') Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  else node[last] = value;
  return copy;
}

/** A body as generated, or with one to three slots replaced, removed, or hostile keys added. */
export function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return valid.chain((body) =>
    fc.oneof(
      { arbitrary: fc.constant(body), weight: 1 },
      { arbitrary: mutateOnce(body), weight: 3 },
      { arbitrary: mutateOnce(body).chain(mutateOnce), weight: 1 },
      { arbitrary: mutateOnce(body).chain(mutateOnce).chain(mutateOnce), weight: 1 },
    ),
  );
}

function mutateOnce(body: unknown): fc.Arbitrary<unknown> {
  {
    const places = slots(body);
    const mutations: Array<{ arbitrary: fc.Arbitrary<unknown>; weight: number }> = [{ arbitrary: hostileValue, weight: 1 }];
    if (places.length > 0) {
      const place = fc.constantFrom(...places);
      mutations.push(
        { arbitrary: fc.tuple(place, hostileValue).map(([p, v]) => setAt(body, p, v, false)), weight: 6 },
        { arbitrary: place.map((p) => setAt(body, p, undefined, true)), weight: 2 },
      );
    }
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      mutations.push({ arbitrary: fc.tuple(hostileKey, hostileValue).map(([k, v]) => setAt(body, [k], v, false)), weight: 1 });
    }
    return fc.oneof(...mutations);
  }
}

/** JSON text, with the deep-nesting markers expanded (past any parser-friendly depth). */
export function serialize(body: unknown, depth: number): string {
  const text = JSON.stringify(body) ?? 'null';
  return text
    .replaceAll(`"${DEEP_ARRAY}"`, '['.repeat(depth) + '1' + ']'.repeat(depth))
    .replaceAll(`"${DEEP_OBJECT}"`, '{"a":'.repeat(Math.floor(depth / 3)) + '1' + '}'.repeat(Math.floor(depth / 3)));
}

/** Bodies that are not JSON, or JSON of a surprising shape. */
export const rawBodies: fc.Arbitrary<string | Uint8Array> = fc.constantFrom<string | Uint8Array>(
  '',
  '{',
  'null',
  '[]',
  '"text"',
  '1e999',
  '{"a":1}{"b":2}',
  '{"provider":"http","provider":"fotolabs","externalId":"dup"}',
  '\ufeff{"externalId":"bom"}',
  '{"externalId":"\\ud800"}',
  new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]),
  new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
);

export const contentTypes = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 12 },
  {
    arbitrary: fc.constantFrom(
      undefined,
      'text/plain',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json, text/plain',
      'APPLICATION/JSON',
      'application/merge-patch+json',
      'application/problem+json',
      'application/jsonx',
      '*/*',
      '',
    ),
    weight: 3,
  },
);
