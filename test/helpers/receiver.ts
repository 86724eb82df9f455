import { startTestReceiver, type ReceivedRequest } from '../delivery/receiver.ts';

export interface ReceivedWebhook {
  webhookId: string;
  timestamp: string;
  signature: string;
  body: string;
  /** Whether the independent `standardwebhooks` verifier accepted it with one of the secrets. */
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
 * The end-to-end tests' view of the delivery tests' receiver: each webhook verified or not, and
 * answered with what `respond` says (default 204).
 */
export async function startReceiver(options: {
  secrets: string[] | (() => string[]);
  respond?: (hook: ReceivedWebhook, nth: number) => number;
}): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  const inner = await startTestReceiver({
    secrets: options.secrets,
    reply: (req) => {
      const hook = toWebhook(req);
      hook.status = options.respond ? options.respond(hook, received.length) : 204;
      received.push(hook);
      return { status: hook.status };
    },
  });
  return {
    url: inner.url,
    received,
    accepted: () => received.filter((h) => h.verified && h.status >= 200 && h.status < 300),
    close: () => inner.close(),
  };
}

const toWebhook = (req: ReceivedRequest): ReceivedWebhook => ({
  webhookId: req.webhookId,
  timestamp: String(req.headers['webhook-timestamp'] ?? ''),
  signature: req.signature,
  body: req.body,
  verified: req.verifiedBy.length > 0,
  payload: req.payload,
  status: 204,
  receivedAt: Date.now(),
});
