import { beforeAll, describe, expect, test } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { createApp } from '../../src/http/app.ts';
import { createProviderRegistry } from '../../src/providers/registry.ts';
import { parseConfig } from '../../src/config.ts';
import { nullLogger } from '../../src/core/logger.ts';
import { ManualClock } from '../../src/core/clock.ts';

// Every example the OpenAPI document publishes must be accepted by the JSON Schema it sits next
// to, as a client's validator or code generator reads it: patterns, formats, enums, required.
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
// ajv ships CommonJS; under NodeNext its default export is the module object.
const addFormats = ((formatsModule as unknown as { default?: typeof formatsModule }).default ?? formatsModule) as unknown as (ajv: Ajv2020) => void;
const DOC_ID = 'https://pollhook.test/openapi.json';

let doc: { [k: string]: Json };

beforeAll(async () => {
  const app = createApp({
    ...({} as Parameters<typeof createApp>[0]),
    providers: createProviderRegistry(),
    config: parseConfig({}),
    logger: nullLogger,
    clock: new ManualClock(),
    version: 'test',
  });
  doc = (await (await app.request('/openapi.json')).json()) as { [k: string]: Json };
});

const escape = (seg: string) => seg.replace(/~/g, '~0').replace(/\//g, '~1');

interface Example {
  where: string;
  /** JSON Pointer of the schema the example is for. */
  schema: string;
  value: Json;
}

/** Each `example` / `examples` of a schema, a parameter or a media type, with its schema's pointer. */
function collectExamples(node: Json, pointer: string, out: Example[], depth = 0): void {
  if (depth > 64 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach((child, i) => collectExamples(child, `${pointer}/${i}`, out, depth + 1));
    return;
  }
  const isSchemaLike = 'type' in node || '$ref' in node || 'anyOf' in node || 'oneOf' in node || 'allOf' in node || 'enum' in node || 'properties' in node;
  const hasOwnSchema = 'schema' in node && typeof node.schema === 'object' && node.schema !== null;
  const schemaPointer = hasOwnSchema ? `${pointer}/schema` : isSchemaLike ? pointer : null;
  if (schemaPointer && !pointer.endsWith('/properties')) {
    if ('example' in node) out.push({ where: `${pointer}/example`, schema: schemaPointer, value: node.example! });
    const examples = node.examples;
    if (Array.isArray(examples)) examples.forEach((v, i) => out.push({ where: `${pointer}/examples/${i}`, schema: schemaPointer, value: v }));
    else if (examples && typeof examples === 'object' && hasOwnSchema) {
      for (const [name, ex] of Object.entries(examples)) {
        if (ex && typeof ex === 'object' && !Array.isArray(ex) && 'value' in ex) out.push({ where: `${pointer}/examples/${name}`, schema: schemaPointer, value: ex.value! });
      }
    }
  }
  for (const [key, child] of Object.entries(node)) {
    if (key === 'example' || key === 'examples') continue;
    collectExamples(child, `${pointer}/${escape(key)}`, out, depth + 1);
  }
}

describe('every example in the OpenAPI document is valid against its own schema', () => {
  test('patterns, formats, enums and required fields included', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: true });
    addFormats(ajv);
    ajv.addFormat('binary', true);
    ajv.addSchema({ ...doc, $id: DOC_ID } as object);
    const examples: Example[] = [];
    collectExamples(doc, '', examples);
    // The document has dozens of examples; a collector that finds none would pass vacuously.
    expect(examples.length).toBeGreaterThan(40);
    const failures: string[] = [];
    for (const ex of examples) {
      const validate = ajv.compile({ $ref: `${DOC_ID}#${ex.schema}` });
      if (!validate(ex.value)) {
        failures.push(`${ex.where}: ${ajv.errorsText(validate.errors, { separator: '; ' })} (value ${JSON.stringify(ex.value).slice(0, 120)})`);
      }
    }
    expect(failures).toEqual([]);
  });

  test('the checker does reject an example that breaks a pattern', () => {
    const ajv = new Ajv2020({ strict: false, unicodeRegExp: true });
    const validate = ajv.compile({ type: 'string', pattern: '^[^\\p{Cc}]*$' });
    expect(validate('ok')).toBe(true);
    expect(validate('bad\u0001')).toBe(false);
  });
});
