import type { Hono } from 'hono';
import type { AppDeps } from '../../deps.ts';
import { DEFAULT_EVENT_TYPES, EVENT_TYPES, type EventType } from '../../../core/types.ts';
import { eventPayloadExample } from '../../schemas/examples.ts';
import { type UiEnv } from '../context.ts';
import { Page, pretty } from '../layout.tsx';

const MEANING: Record<EventType, string> = {
  'job.pending': 'The upstream accepted the job; it has not started.',
  'job.running': 'The upstream is working on the job.',
  'job.succeeded': 'The job finished; result.urls lists the outputs.',
  'job.failed': 'The job failed upstream, or pollhook gave up (deadline, job gone, credentials refused); error says why.',
  'job.canceled': 'The job was canceled upstream.',
  'job.progress': 'Progress moved while running (opt-in: subscribe to it explicitly).',
};

function example(type: EventType): unknown {
  const state = type === 'job.progress' ? 'running' : type.slice(4);
  const done = state === 'succeeded';
  const base = eventPayloadExample;
  return {
    ...base,
    type,
    data: {
      ...base.data,
      state,
      previousState: state === 'pending' ? null : state === 'running' ? 'pending' : 'running',
      progress: done ? 100 : state === 'running' ? 40 : null,
      result: done ? base.data.result : null,
      error: state === 'failed' ? { code: 'upstream_failed', message: 'the upstream reported a failure' } : null,
    },
  };
}

const TS_SNIPPET = `import { Webhook } from 'standardwebhooks'; // or: import { verifyWebhook } from 'pollhook/receiver'

const wh = new Webhook(process.env.POLLHOOK_SIGNING_SECRET!); // whsec_...

// In your handler: verify the RAW body, before any JSON parsing.
const event = wh.verify(rawBody, {
  'webhook-id': req.headers['webhook-id'],
  'webhook-timestamp': req.headers['webhook-timestamp'],
  'webhook-signature': req.headers['webhook-signature'],
}) as { type: string; data: { id: string; sequence: number; state: string } };
// Deduplicate by webhook-id; answer 2xx quickly.`;

const PY_SNIPPET = `import base64, hashlib, hmac, os, time

def verify(secret: str, headers: dict, raw_body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(ts)) > 300:
        return False  # stale: replayed or clock skew
    signed = f"{msg_id}.{ts}.".encode() + raw_body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, sig.split(",", 1)[1])
        for sig in headers["webhook-signature"].split()
        if sig.startswith("v1,")
    )

# verify(os.environ["POLLHOOK_SIGNING_SECRET"], request.headers, request.get_data())`;

export function registerCatalog(ui: Hono<UiEnv>, _deps: AppDeps): void {
  ui.get('/catalog', (c) =>
    c.html(
      <Page title="Event catalog" session={c.get('session')} current="catalog">
        <p>
          Every webhook is a POST with a JSON body and the Standard Webhooks headers <code>webhook-id</code>,{' '}
          <code>webhook-timestamp</code> and <code>webhook-signature</code>. Default subscriptions receive{' '}
          {DEFAULT_EVENT_TYPES.join(', ')}.
        </p>
        <section class="card" aria-labelledby="verify-title">
          <h2 id="verify-title">Verify a webhook</h2>
          <h3>TypeScript</h3>
          <pre id="snippet-ts" class="snippet" tabindex={0} aria-label="TypeScript snippet">{TS_SNIPPET}</pre>
          <button type="button" class="secondary" data-copy="snippet-ts">
            Copy TypeScript
          </button>
          <h3>Python</h3>
          <pre id="snippet-py" class="snippet" tabindex={0} aria-label="Python snippet">{PY_SNIPPET}</pre>
          <button type="button" class="secondary" data-copy="snippet-py">
            Copy Python
          </button>
        </section>
        {EVENT_TYPES.map((t) => (
          <section class="card" aria-labelledby={`type-${t}`}>
            <h2 id={`type-${t}`}>
              <code>{t}</code>
            </h2>
            <p>{MEANING[t]}</p>
            <details>
              <summary>Example payload</summary>
              <pre>{pretty(example(t))}</pre>
            </details>
          </section>
        ))}
      </Page>,
    ),
  );
}
