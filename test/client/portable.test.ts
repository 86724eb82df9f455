import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The client must run in browsers and Workers too: at run time it may load only its own modules
// (type-only imports of the server's schemas are erased) and use only web-standard globals.
const DIR = join(import.meta.dirname, '../../src/client');

describe('pollhook/client stays portable', () => {
  it.each(readdirSync(DIR).filter((f) => f.endsWith('.ts')))('%s loads only ./ modules and no Node globals', (file) => {
    const source = readFileSync(join(DIR, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    const runtimeImports = [...source.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]);
    for (const specifier of runtimeImports) expect(specifier, `${file} imports ${specifier}`).toMatch(/^\.\/[\w-]+\.ts$/);
    expect(source).not.toMatch(/\b(?:process|Buffer|require|__dirname)\b[.(]/);
  });
});
