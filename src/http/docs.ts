import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './deps.ts';
import { problemResponse } from './problem.ts';
import { errorResponses } from './schemas/common.ts';

/**
 * Swagger UI's files, read by the runtime (Node: from the installed `swagger-ui-dist`; a Worker
 * can bundle them as modules). src/http cannot read files itself, so the runtime passes them in.
 */
export interface DocsAssets {
  /** The file's bytes, or null when the runtime does not have it. */
  read(name: DocsAssetName): Promise<Uint8Array | null>;
}

const CONTENT_TYPES = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
} as const;
export type DocsAssetName = keyof typeof CONTENT_TYPES;
export const DOCS_ASSET_NAMES = Object.keys(CONTENT_TYPES) as DocsAssetName[];

/**
 * No inline script or style element, nothing from another origin. Swagger UI (React) sets
 * `style` attributes and shows images as data: URLs, hence those two allowances.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>pollhook API</title>
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"><noscript>The interactive reference needs JavaScript; the document itself is <a href="/openapi.json">/openapi.json</a>.</noscript></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

const WITHOUT_ASSETS = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>pollhook API</title></head>
  <body><p>The interactive reference is not available in this runtime. The API is described by <a href="/openapi.json">/openapi.json</a>.</p></body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  // Its default is an online validator's badge image: an external request, offline or not.
  validatorUrl: null,
});
`;

/** GET /docs and the files it loads, all from this server: the page works offline. */
export function registerDocs(app: OpenAPIHono<AppEnv>, assets: DocsAssets | undefined): void {
  app.get('/docs', (c) =>
    c.html(assets ? PAGE : WITHOUT_ASSETS, 200, { 'content-security-policy': DOCS_CSP, 'x-content-type-options': 'nosniff' }),
  );
  app.get('/docs/init.js', (c) =>
    c.body(INIT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'x-content-type-options': 'nosniff' }),
  );
  app.get('/docs/assets/:name', async (c) => {
    const name = c.req.param('name');
    const bytes = assets && Object.hasOwn(CONTENT_TYPES, name) ? await assets.read(name as DocsAssetName) : null;
    if (!bytes) return problemResponse(c, 'not-found', `No documentation asset ${name}.`);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      'content-type': CONTENT_TYPES[name as DocsAssetName],
      'cache-control': 'public, max-age=86400',
      'x-content-type-options': 'nosniff',
    });
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/docs/init.js',
    tags: ['operations'],
    summary: "The script that starts Swagger UI on /docs (a file, so the page's CSP allows no inline script)",
    responses: { 200: { description: 'JavaScript.', content: { 'text/javascript': { schema: { type: 'string' } } } } },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/docs/assets/{name}',
    tags: ['operations'],
    summary: "Swagger UI's files, served by pollhook itself so /docs works offline",
    request: { params: z.object({ name: z.enum(DOCS_ASSET_NAMES as [DocsAssetName, ...DocsAssetName[]]).openapi({ param: { name: 'name', in: 'path' }, example: 'swagger-ui.css' }) }) },
    responses: {
      200: { description: 'The file.', content: { 'text/css': { schema: { type: 'string' } }, 'text/javascript': { schema: { type: 'string' } }, 'image/png': { schema: { type: 'string', format: 'binary' } } } },
      404: errorResponses[404],
    },
  });
}
