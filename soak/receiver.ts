/**
 * The soak's webhook receiver, a process of its own so it outlives every server crash. It
 * verifies each request with `standardwebhooks` (independent of pollhook's svix signer) and
 * appends one JSON line per request to --out BEFORE answering, so every 2xx it gave is on disk.
 *
 *   node bin/run-ts.js soak/receiver.ts --secret whsec_... --out hooks.jsonl [--fail-rate 0.02] [--delay-ms 50]
 *
 * Prints `listening <url>` once ready. --fail-rate answers that share of requests 500 (seeded by
 * the webhook id and attempt), so the retry path runs during the soak too. --delay-ms holds each
 * answer up to that long, so a kill finds webhooks in flight.
 */
import { createServer } from 'node:http';
import { appendFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Webhook } from 'standardwebhooks';

export interface ReceiptLine {
  webhookId: string;
  verified: boolean;
  status: number;
  jobId: string | null;
  sequence: number | null;
  type: string | null;
  upstreamStatus: string | null;
  state: string | null;
  errorCode: string | null;
  at: number;
}

const { values } = parseArgs({
  options: { secret: { type: 'string' }, out: { type: 'string' }, 'fail-rate': { type: 'string' }, 'delay-ms': { type: 'string' } },
  strict: true,
});
if (!values.secret || !values.out) {
  process.stderr.write('usage: receiver.ts --secret <whsec_...> --out <file> [--fail-rate 0.02]\n');
  process.exit(2);
}
const webhook = new Webhook(values.secret);
const out = values.out;
const failRate = Number(values['fail-rate'] ?? 0);
const delayMs = Number(values['delay-ms'] ?? 0);
const attempts = new Map<string, number>();

/** Deterministic per (webhook id, attempt): a retried webhook gets a fresh draw. */
const shouldFail = (id: string): boolean => {
  const n = (attempts.get(id) ?? 0) + 1;
  attempts.set(id, n);
  if (failRate <= 0) return false;
  const h = createHash('sha256').update(`${id}#${n}`).digest();
  return h.readUInt32BE(0) / 2 ** 32 < failRate;
};

const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const headers = {
    'webhook-id': String(req.headers['webhook-id'] ?? ''),
    'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
    'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
  };
  let verified = false;
  let payload: any = null;
  try {
    payload = webhook.verify(body, headers);
    verified = true;
  } catch {
    // recorded as unverified
  }
  const status = !verified ? 400 : shouldFail(headers['webhook-id']) ? 500 : 204;
  const line: ReceiptLine = {
    webhookId: headers['webhook-id'],
    verified,
    status,
    jobId: payload?.data?.id ?? null,
    sequence: payload?.data?.sequence ?? null,
    type: payload?.type ?? null,
    upstreamStatus: payload?.data?.upstreamStatus ?? null,
    state: payload?.data?.state ?? null,
    errorCode: payload?.data?.error?.code ?? null,
    at: Date.now(),
  };
  if (delayMs > 0) await new Promise((r) => setTimeout(r, Math.random() * delayMs));
  appendFileSync(out, `${JSON.stringify(line)}\n`);
  res.writeHead(status).end();
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`listening http://127.0.0.1:${port}/hooks\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
