import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeHttpClient, splitUrl } from '../../src/runtime/node/httpClient.ts';

const viaWhatwg = (url: string) => {
  const u = new URL(url);
  return { origin: u.origin, path: u.pathname + u.search };
};

describe('the HTTP client splits URLs as the WHATWG parser does', () => {
  const urls = [
    'http://127.0.0.1:4010/v1/images/img-1',
    'https://api.fotolabs.co/v1/images/abc%20def?x=1&y=a:b@c',
    'HTTPS://API.Example.COM:443/Path/To',
    'http://[::1]:8080/status?paginated=true&cursor=100',
    'http://host/',
    'http://host',
    'http://host?q=/x',
    'http://user:pw@host/a',
    'http://host/a/../b',
    'http://host/a/%2e%2E/b',
    'http://host/./a',
    'http://host/a b',
    'http://host/caf\u00e9?q=\u00e9',
    "http://host/a?b='c'",
    'http://host/a#frag',
    'http://host/a\\b',
    'http://host/a%zz/b',
    'http://host/a|b^c`d{e}',
    'http://host\t/a\n/b',
    'foo://host/a/b',
  ];
  for (const url of urls) {
    it(JSON.stringify(url), () => {
      expect(splitUrl(url)).toEqual(viaWhatwg(url));
      expect(splitUrl(url)).toEqual(viaWhatwg(url)); // again, from the caches
    });
  }

  it('throws on what the parser rejects', () => {
    expect(() => splitUrl('not a url')).toThrow();
    expect(() => splitUrl('http://exa mple.com/a')).toThrow();
  });
});

describe('the HTTP client reads bodies', () => {
  const serve = async (handler: Parameters<typeof createServer>[1]) => {
    const server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };
  const client = (url: string) => createNodeHttpClient({ ssrf: { allowPrivate: false, allowHttp: false }, trustedOrigins: [url] });

  it('reads a body with a content-length whole, keeping a BOM, and caps one over the limit', async () => {
    const text = '\ufeff{"status":"processing","name":"caf\u00e9"}';
    const { server, url } = await serve((_req, res) => res.writeHead(200, { 'content-length': Buffer.byteLength(text) }).end(text));
    const http = client(url);
    try {
      const whole = await http.request({ method: 'GET', url: `${url}/a`, headers: {}, timeoutMs: 5_000, maxBodyBytes: 1_000 });
      expect(whole).toMatchObject({ status: 200, body: text, truncated: false });
      const capped = await http.request({ method: 'GET', url: `${url}/a`, headers: {}, timeoutMs: 5_000, maxBodyBytes: 10 });
      expect(capped.truncated).toBe(true);
      expect(Buffer.byteLength(capped.body)).toBeLessThanOrEqual(10);
    } finally {
      await http.close();
      server.close();
    }
  });

  it('caps a chunked body with no content-length', async () => {
    const { server, url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('x'.repeat(600));
      res.end('y'.repeat(600));
    });
    const http = client(url);
    try {
      const whole = await http.request({ method: 'GET', url: `${url}/a`, headers: {}, timeoutMs: 5_000, maxBodyBytes: 2_000 });
      expect(whole).toMatchObject({ body: 'x'.repeat(600) + 'y'.repeat(600), truncated: false });
      const capped = await http.request({ method: 'GET', url: `${url}/a`, headers: {}, timeoutMs: 5_000, maxBodyBytes: 1_000 });
      expect(capped).toMatchObject({ body: 'x'.repeat(600) + 'y'.repeat(400), truncated: true });
    } finally {
      await http.close();
      server.close();
    }
  });
});
