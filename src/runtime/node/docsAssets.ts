import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DOCS_ASSET_NAMES, type DocsAssetName, type DocsAssets } from '../../http/docs.ts';

/**
 * Swagger UI's files from the installed `swagger-ui-dist`, read once each on first use.
 * Null (the page says the reference is unavailable) if the package is missing.
 */
export function swaggerUiAssets(): DocsAssets | undefined {
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  } catch {
    return undefined;
  }
  const cache = new Map<DocsAssetName, Promise<Uint8Array | null>>();
  return {
    read(name) {
      if (!DOCS_ASSET_NAMES.includes(name)) return Promise.resolve(null);
      let file = cache.get(name);
      if (!file) {
        file = readFile(join(dir, name)).then(
          (buf) => new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength),
          () => null,
        );
        cache.set(name, file);
      }
      return file;
    },
  };
}
