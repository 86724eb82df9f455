// A pollhook webhook receiver with Hono (the same code runs on Node, Bun, Deno and Workers).
// Run: POLLHOOK_SIGNING_SECRET=whsec_... PORT=3000 node --import tsx examples/receiver-hono.ts
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { verifyWebhook, WebhookVerificationError, type PollhookEvent } from 'pollhook/receiver';

// During a rotation, list both secrets: "whsec_new whsec_old".
const secrets = (process.env.POLLHOOK_SIGNING_SECRET ?? '').split(/[\s,]+/).filter(Boolean);
// webhook-ids already handled. In production, a unique column in your database.
const seen = new Set<string>();

const app = new Hono();

app.post('/hooks/pollhook', async (c) => {
  let event: PollhookEvent;
  try {
    // The raw body, before any JSON parsing: the signature covers it exactly.
    event = verifyWebhook(secrets, c.req.raw.headers, await c.req.text());
  } catch (err) {
    if (err instanceof WebhookVerificationError) return c.text(err.reason, 400);
    throw err;
  }
  const webhookId = c.req.header('webhook-id')!;
  if (!seen.has(webhookId)) {
    seen.add(webhookId);
    handle(webhookId, event);
  }
  // Answer at once (a 2xx within 15 s); do slow work after answering.
  return c.body(null, 204);
});

function handle(webhookId: string, event: PollhookEvent): void {
  if (event.type === 'job.succeeded') {
    // event.data.result?.urls holds the outputs.
  }
  console.log(JSON.stringify({ webhookId, type: event.type, jobId: event.data.id, sequence: event.data.sequence }));
}

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}/hooks/pollhook`);
});
