import { isWellFormedId } from '../../../core/ids.ts';
import { Badge, Time, duration } from '../layout.tsx';

export const isDeliveryId = (id: string): boolean => isWellFormedId(id, 'msg');

/**
 * One delivery to this endpoint and each of its attempts (status code, latency, error), live:
 * the test event just sent, or an operational event (those have no job page).
 */
export function DeliveryShown({ d }: { d: any }) {
  return (
    <div class="card" data-testid="delivery-shown" aria-labelledby="delivery-shown-title">
      <h3 id="delivery-shown-title">{d.eventType === 'endpoint.test' ? 'Test event' : `Delivery of ${d.eventType}`}</h3>
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
