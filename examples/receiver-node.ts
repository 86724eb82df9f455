// A pollhook webhook receiver on plain node:http.
// Run: POLLHOOK_SIGNING_SECRET=whsec_... PORT=3000 node --import tsx examples/receiver-node.ts
import { createServer } from 'node:http';
import { verifyWebhook, WebhookVerificationError, type PollhookEvent } from 'pollhook/receiver';

// During a rotation, list both secrets: "whsec_new whsec_old".
const secrets = (process.env.POLLHOOK_SIGNING_SECRET ?? '').split(/[\s,]+/).filter(Boolean);
// webhook-ids already handled. In production, a unique column in your database.
const seen = new Set<string>();

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/hooks/pollhook') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let event: PollhookEvent;
    try {
      // The raw bytes, before any JSON parsing: the signature covers them exactly.
      event = verifyWebhook(secrets, req.headers, Buffer.concat(chunks));
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) throw err;
      res.writeHead(400, { 'content-type': 'text/plain' }).end(err.reason);
      return;
    }
    const webhookId = String(req.headers['webhook-id']);
    if (!seen.has(webhookId)) {
      seen.add(webhookId);
      handle(webhookId, event);
    }
    // Answer at once (a 2xx within 15 s); do slow work after answering.
    res.writeHead(204).end();
  });
});

function handle(webhookId: string, event: PollhookEvent): void {
  if (event.type === 'job.succeeded') {
    // event.data.result?.urls holds the outputs.
  }
  console.log(JSON.stringify({ webhookId, type: event.type, jobId: event.data.id, sequence: event.data.sequence }));
}

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : process.env.PORT;
  console.log(`listening on http://127.0.0.1:${port}/hooks/pollhook`);
});
