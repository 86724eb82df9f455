/**
 * A loopback fotolabs upstream in its own process: GET /v1/images/{id} answers a fixed
 * `processing` body, as an unchanged job does. In `alternating` mode (latency measurement) a job
 * id `lat-<offsetMs>-<n>` flips between `processing` and `pending` every `periodMs` from its
 * offset, and the body says when the current status began (`changedAt`), which pollhook echoes
 * in the webhook's `data.upstream`.
 */
import { createServer } from 'node:http';
import { serveChild } from '../lib/child.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as { alternating?: { periodMs: number } };
let served = 0;

const fixed = JSON.stringify({ imageId: 'bench', status: 'processing', resultImageUrl: null, originalImageUrl: 'https://cdn.example/in.jpg', errorMessage: null });

function bodyFor(id: string): string {
  const period = options.alternating?.periodMs;
  if (!period) return fixed;
  const offset = Number(id.split('-')[1] ?? 0);
  const phase = Math.floor((Date.now() - offset) / period);
  const status = phase % 2 === 0 ? 'processing' : 'pending';
  return JSON.stringify({ imageId: id, status, resultImageUrl: null, errorMessage: null, changedAt: offset + phase * period });
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/_stats') {
    const text = JSON.stringify({ served });
    res.writeHead(200, { 'content-type': 'application/json' }).end(text);
    return;
  }
  served++;
  const id = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
  const body = bodyFor(id);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
});
serveChild(server);
