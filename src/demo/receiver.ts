import { createServer, type Server } from 'node:http';
import { verifyWebhook, WebhookVerificationError } from '../receiver/index.ts';

export interface DemoWebhook {
  path: string;
  webhookId: string;
  status: number;
  verified: boolean;
  reason: string | null;
  type: string | null;
  jobId: string | null;
  sequence: number | null;
  state: string | null;
}

export interface DemoReceiver {
  url: string;
  webhooks: DemoWebhook[];
  close(): Promise<void>;
}

/**
 * The demo's local receiver: verifies every webhook with pollhook/receiver. `/flaky` answers 500
 * to its first two requests, to show retries with a stable webhook-id.
 */
export async function startDemoReceiver(secret: () => string, onWebhook: (w: DemoWebhook) => void): Promise<DemoReceiver> {
  const webhooks: DemoWebhook[] = [];
  let flakyCalls = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0]!;
    const w: DemoWebhook = {
      path,
      webhookId: String(req.headers['webhook-id'] ?? ''),
      status: 204,
      verified: false,
      reason: null,
      type: null,
      jobId: null,
      sequence: null,
      state: null,
    };
    try {
      const event = verifyWebhook(secret(), req.headers, raw);
      Object.assign(w, { verified: true, type: event.type, jobId: event.data.id, sequence: event.data.sequence, state: event.data.state });
    } catch (err) {
      w.reason = err instanceof WebhookVerificationError ? err.reason : String(err);
      w.status = 400;
    }
    if (w.verified && path === '/flaky' && flakyCalls++ < 2) w.status = 500;
    webhooks.push(w);
    onWebhook(w);
    res.writeHead(w.status).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    webhooks,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
