/**
 * A programmable webhook receiver on 127.0.0.1 for the delivery tests (and, through
 * test/helpers/receiver.ts, the end-to-end ones). Every request is checked with the independent
 * `standardwebhooks` verifier against each secret on its own.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedRequest {
  nth: number;
  path: string;
  webhookId: string;
  timestamp: number;
  signature: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The secrets (by index in `secrets`) that verify this request on their own. */
  verifiedBy: number[];
  payload: any;
}

export type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang' | 'reset';

export interface TestReceiver {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** Holds the requests a 'hang' reply left open. */
  hanging: ServerResponse[];
  /** webhook-id of every request, recorded as soon as its headers arrived (before its body). */
  arrivals: string[];
  openConnections(): number;
  close(): Promise<void>;
}

export async function startTestReceiver(options: {
  /** Checked per request; a function for tests that rotate secrets while it runs. */
  secrets: string[] | (() => string[]);
  reply?: (req: ReceivedRequest) => Reply | Promise<Reply>;
  /** Overrides "now" for the timestamp check, for tests whose engine runs on a manual clock. */
  nowSeconds?: () => number;
}): Promise<TestReceiver> {
  const received: ReceivedRequest[] = [];
  const hanging: ServerResponse[] = [];
  const sockets = new Set<Socket>();
  const arrivals: string[] = [];
  const server: Server = createServer(async (req, res) => {
    arrivals.push(String(req.headers['webhook-id'] ?? ''));
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = {
      'webhook-id': String(req.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
    };
    const timestamp = Number(headers['webhook-timestamp']);
    const secrets = typeof options.secrets === 'function' ? options.secrets() : options.secrets;
    const verifiedBy = secrets.flatMap((s, i) => (verifies(s, body, headers, timestamp, options.nowSeconds) ? [i] : []));
    let payload: unknown = null;
    try {
      payload = JSON.parse(body);
    } catch {
      // kept as null: the test sees it
    }
    const request: ReceivedRequest = {
      nth: received.length,
      path: req.url ?? '',
      webhookId: headers['webhook-id'],
      timestamp,
      signature: headers['webhook-signature'],
      headers: req.headers,
      body,
      verifiedBy,
      payload,
    };
    received.push(request);
    const reply = options.reply ? await options.reply(request) : { status: 204 };
    if (reply === 'hang') {
      hanging.push(res);
      return;
    }
    if (reply === 'reset') {
      req.socket.destroy();
      return;
    }
    res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    hanging,
    arrivals,
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/**
 * `verify()` when the timestamp is near real time. An engine on a manual clock far from real
 * time signs with its own time, which verify() rejects as too old: then the same library's
 * sign() recomputes the expected signature and it must be among the header's entries.
 */
function verifies(
  secret: string,
  body: string,
  headers: Record<string, string>,
  timestamp: number,
  nowSeconds?: () => number,
): boolean {
  const wh = new Webhook(secret);
  const realNow = Math.floor(Date.now() / 1000);
  if (!nowSeconds && Math.abs(realNow - timestamp) <= 300) {
    try {
      wh.verify(body, headers);
      return true;
    } catch {
      return false;
    }
  }
  if (nowSeconds && Math.abs(nowSeconds() - timestamp) > 300) return false;
  const expected = wh.sign(headers['webhook-id']!, new Date(timestamp * 1000), body);
  return headers['webhook-signature']!.split(' ').includes(expected);
}
