import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type Service } from '../../src/runtime/node/service.ts';
import { nullLogger } from '../../src/core/logger.ts';

// /docs with the network unplugged: every file the page references comes from the server itself.
let service: Service;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-docs-'));
  service = await startService({
    env: { POLLHOOK_DB_PATH: join(dir, 'p.db'), PORT: '0', POLLHOOK_HOST: '127.0.0.1', POLLHOOK_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') },
    logger: nullLogger,
    announce: () => undefined,
  });
});

afterAll(async () => {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every src/href of script, link, img, iframe, source elements. */
function referencedUrls(html: string): string[] {
  const urls: string[] = [];
  for (const tag of html.matchAll(/<(script|link|img|iframe|source|style)\b[^>]*>/gi)) {
    for (const attr of tag[0].matchAll(/\b(src|href)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi)) urls.push(attr[3] ?? attr[4] ?? attr[5]!);
  }
  return urls;
}

describe('GET /docs works offline', () => {
  test('every script, style, icon and image it references is served by pollhook itself', async () => {
    const res = await fetch(`${service.url}/docs`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const urls = referencedUrls(html);
    expect(urls.length).toBeGreaterThanOrEqual(3);
    expect(urls.some((u) => u.endsWith('.js'))).toBe(true);
    expect(urls.some((u) => u.endsWith('.css'))).toBe(true);
    for (const ref of urls) {
      const url = new URL(ref, `${service.url}/docs`);
      expect(url.origin, ref).toBe(service.url);
      const asset = await fetch(url);
      expect(asset.status, ref).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, ref).toBeGreaterThan(0);
    }
    const bundle = await fetch(`${service.url}/docs/assets/swagger-ui-bundle.js`);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect(await bundle.text()).toContain('SwaggerUIBundle');
    const init = await (await fetch(`${service.url}/docs/init.js`)).text();
    expect(init).toContain("'/openapi.json'");
    expect(init).toContain('validatorUrl: null');
  });

  test('no inline script, and a CSP that forbids one and any other origin', async () => {
    const res = await fetch(`${service.url}/docs`);
    const html = await res.text();
    for (const script of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      expect(script[1]).toMatch(/\bsrc=/);
      expect(script[2]!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b|\son\w+\s*=/i);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
  });

  test('only the known files are served; anything else is a 404 problem', async () => {
    for (const path of ['/docs/assets/package.json', '/docs/assets/..%2Fpackage.json', '/docs/assets/index.js', '/docs/assets/swagger-ui.css.map']) {
      const res = await fetch(`${service.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});
