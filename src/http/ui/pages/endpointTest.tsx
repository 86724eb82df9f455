import { isWellFormedId } from '../../../core/ids.ts';
import { Badge, Time, duration } from '../layout.tsx';

export const isDeliveryId = (id: string): boolean => isWellFormedId(id, 'msg');

/** The test event's delivery and each of its attempts (status code, latency, error), live. */
export function TestEvent({ d }: { d: any }) {
  return (
    <div class="card" data-testid="test-event" aria-labelledby="test-event-title">
      <h3 id="test-event-title">Test event</h3>
      <p>
        <Badge status={d.status === 'failed' ? 'retrying' : d.status} /> <code>{d.id}</code> queued <Time at={d.createdAt} />
        {d.nextAttemptAt && d.status !== 'delivered' ? (
          <span>
            {' '}
            · next try <Time at={d.nextAttemptAt} />
          </span>
        ) : null}
      </p>
      {(d.attempts ?? []).length === 0 ? (
        <p class="muted">Not sent yet.</p>
      ) : (
        <ol>
          {(d.attempts as any[]).map((a) => (
            <li data-attempt>
              <Time at={a.attemptedAt} /> · {a.statusCode ? `HTTP ${a.statusCode}` : 'no answer'} · {duration(a.durationMs)}
              {a.error ? ` · ${a.error}` : ''}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
