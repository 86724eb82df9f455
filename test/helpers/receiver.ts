import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  webhookId: string;
  timestamp: string;
  signature: string;
  body: string;
  /** Whether the independent `standardwebhooks` verifier accepted it. */
  verified: boolean;
  payload: any;
  status: number;
  receivedAt: number;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Verified webhooks accepted with a 2xx. */
  accepted(): ReceivedWebhook[];
  close(): Promise<void>;
}

/**
 * A webhook receiver on 127.0.0.1 that verifies every request with `standardwebhooks`
 * (independent of the svix signer) and answers what `respond` says (default 204).
 */
export async function startReceiver(options: {
  secrets: string[] | (() => string[]);
  respond?: (hook: ReceivedWebhook, nth: number) => number;
}): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = {
      'webhook-id': String(req.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
    };
    const secrets = typeof options.secrets === 'function' ? options.secrets() : options.secrets;
    let verified = false;
    for (const s of secrets) {
      try {
        new Webhook(s).verify(body, headers);
        verified = true;
        break;
      } catch {
        // try the next secret
      }
    }
    let payload: unknown = null;
    try {
      payload = JSON.parse(body);
    } catch {
      // recorded as received; verified stays false for garbage
    }
    const hook: ReceivedWebhook = {
      webhookId: headers['webhook-id'],
      timestamp: headers['webhook-timestamp'],
      signature: headers['webhook-signature'],
      body,
      verified,
      payload,
      status: 204,
      receivedAt: Date.now(),
    };
    hook.status = options.respond ? options.respond(hook, received.length) : 204;
    received.push(hook);
    res.writeHead(hook.status).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    accepted: () => received.filter((h) => h.verified && h.status >= 200 && h.status < 300),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
