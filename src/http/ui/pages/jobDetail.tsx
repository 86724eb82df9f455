import { problemText } from '../api.ts';
import type { UiContext } from '../context.ts';
import { ActionButton, Badge, Page, Time, UI, duration, pretty, type Flash } from '../layout.tsx';

const MAX_DELIVERY_DETAILS = 50;
/** The newest polls shown; the API pages through the rest. */
const POLLS_SHOWN = 100;

/** A job: its state, a summary and a timeline of its polls, and a timeline of its events with every delivery attempt. */
export async function jobDetail(c: UiContext, id: string, flash: Flash | null) {
  const api = c.get('api');
  const session = c.get('session');
  const jobAnswer = await api('GET', `/v1/jobs/${encodeURIComponent(id)}`);
  if (!jobAnswer.ok) {
    return c.html(
      <Page title="Job not found" session={session} current="jobs">
        <p>{problemText(jobAnswer.body)}</p>
      </Page>,
      jobAnswer.status === 404 ? 404 : 400,
    );
  }
  const job = jobAnswer.body;
  const [eventsAnswer, pollsAnswer] = await Promise.all([
    api('GET', `/v1/jobs/${job.id}/events?limit=100`),
    api('GET', `/v1/jobs/${job.id}/polls?limit=${POLLS_SHOWN}`),
  ]);
  const events: any[] = eventsAnswer.body?.data ?? [];
  const polls: any[] = pollsAnswer.body?.data ?? [];
  const deliveryIds = events.flatMap((e) => e.deliveries.map((d: any) => d.id as string)).slice(0, MAX_DELIVERY_DETAILS);
  const details = new Map<string, any>();
  for (const d of await Promise.all(deliveryIds.map((did) => api('GET', `/v1/deliveries/${did}`)))) if (d.ok) details.set(d.body.id, d.body);
  const here = `${UI}/jobs/${job.id}`;

  return c.html(
    <Page title={`Job ${job.externalId}`} session={session} current="jobs" flash={flash} live>
      <div id="job-live" data-live>
        <section class="card" aria-labelledby="job-summary">
          <h2 id="job-summary">Summary</h2>
          <dl class="grid">
            <div>
              <dt>State</dt>
              <dd data-testid="job-state">
                <Badge status={job.state} /> {job.upstreamStatus && <span class="muted">upstream “{job.upstreamStatus}”</span>}
              </dd>
            </div>
            <div>
              <dt>Job id</dt>
              <dd>
                <code>{job.id}</code>
              </dd>
            </div>
            <div>
              <dt>Provider</dt>
              <dd>{job.provider}</dd>
            </div>
            <div>
              <dt>Callback</dt>
              <dd>{job.callbackUrl ?? 'subscriptions only'}{job.callbackDisabledReason && ` (stopped: ${job.callbackDisabledReason})`}</dd>
            </div>
            <div>
              <dt>Deadline</dt>
              <dd>
                <Time at={job.deadlineAt} />
              </dd>
            </div>
            <div>
              <dt>Finished</dt>
              <dd>
                <Time at={job.finishedAt} />
              </dd>
            </div>
          </dl>
          {job.metadata && (
            <details>
              <summary>Metadata</summary>
              <pre>{pretty(job.metadata)}</pre>
            </details>
          )}
          {!job.finishedAt && (
            <p>
              <ActionButton
                session={session}
                action={`${here}/cancel`}
                label="Cancel job"
                danger
                confirm="Stop tracking this job? No more polls will be made."
              />
            </p>
          )}
        </section>

        <section class="card" aria-labelledby="job-polls">
          <h2 id="job-polls">Polls</h2>
          <dl class="grid">
            <div>
              <dt>Polls made</dt>
              <dd>{job.polls.count}</dd>
            </div>
            <div>
              <dt>Failed polls</dt>
              <dd>
                {job.polls.failures} ({job.polls.consecutiveFailures} in a row now)
              </dd>
            </div>
            <div>
              <dt>Last poll</dt>
              <dd>
                <Time at={job.polls.lastPolledAt} />
              </dd>
            </div>
            <div>
              <dt>Next poll</dt>
              <dd>
                {job.nextPollAt ? <Time at={job.nextPollAt} /> : job.finishedAt ? 'none: the job is finished' : 'none'}
                {job.etaAt && (
                  <span class="muted">
                    {' '}
                    (upstream ETA <Time at={job.etaAt} />)
                  </span>
                )}
              </dd>
            </div>
          </dl>
          {job.polls.lastFailure && (
            <p class="s-bad">
              Last failed poll: {job.polls.lastFailure.kind}
              {job.polls.lastFailure.status ? ` (HTTP ${job.polls.lastFailure.status})` : ''}: {job.polls.lastFailure.message}
            </p>
          )}
          <PollTimeline polls={polls} more={pollsAnswer.body?.nextCursor != null} />
        </section>

        <section aria-labelledby="job-timeline">
          <h2 id="job-timeline">Timeline</h2>
          {events.length === 0 && <p class="muted">No event yet.</p>}
          <ol class="timeline">
            {events.map((e) => (
              <li data-event={e.type}>
                <h3>
                  #{e.sequence} {e.type} <span class="muted">at <Time at={e.createdAt} /></span>
                </h3>
                <p class="muted">
                  Observed <Time at={e.payload?.data?.observedAt} />, upstream status “{e.payload?.data?.upstreamStatus}”.
                </p>
                <details>
                  <summary>Signed payload</summary>
                  <pre>{pretty(e.payload)}</pre>
                </details>
                {e.deliveries.map((d: any) => (
                  <DeliveryCard d={details.get(d.id) ?? d} session={session} back={here} />
                ))}
              </li>
            ))}
          </ol>
        </section>
      </div>
    </Page>,
  );
}

/**
 * Every poll, newest first: what it saw and when and why the next one is. Unchanged polls in a
 * row are one line, a run: how many, from its first to its last poll, and what its last one saw
 * and decided.
 */
function PollTimeline({ polls, more }: { polls: any[]; more: boolean }) {
  if (polls.length === 0) return <p class="muted">No poll recorded yet.</p>;
  return (
    <div class="table-wrap">
      <table class="stack" data-testid="poll-timeline">
        <caption class="muted">
          {more ? `The newest ${polls.length} entries` : 'Every poll'}, newest first; unchanged polls in a row are one line (the last one's latency, next poll and why)
        </caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Outcome</th>
            <th scope="col">Upstream status</th>
            <th scope="col">HTTP status</th>
            <th scope="col">Latency</th>
            <th scope="col">Next poll</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {polls.map((p) => (
            <tr data-poll={p.outcome} data-polls={p.polls}>
              <td data-label="Time">
                <Time at={p.polledAt} />
                {p.polls > 1 && (
                  <span>
                    {' '}
                    to <Time at={p.lastPolledAt} />
                  </span>
                )}
              </td>
              <td data-label="Outcome">
                {p.polls > 1 ? `${p.outcome}, ${p.polls} polls` : p.outcome}
                {p.error ? <span class="muted"> {p.error}</span> : ''}
              </td>
              <td data-label="Upstream status">{p.upstreamStatus ?? '—'}</td>
              <td data-label="HTTP status">{p.httpStatus ?? '—'}</td>
              <td data-label="Latency">{p.latencyMs == null ? '—' : duration(p.latencyMs)}</td>
              <td data-label="Next poll">{p.nextPollAt ? <Time at={p.nextPollAt} /> : '—'}</td>
              <td data-label="Why">{p.reason ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function DeliveryCard({ d, session, back }: { d: any; session: any; back: string }) {
  const retryable = d.status === 'dead' || d.status === 'failed';
  return (
    <div class="card" data-delivery={d.id}>
      <p>
        To <code>{d.url}</code> <Badge status={d.status} /> · {d.attemptCount} attempt{d.attemptCount === 1 ? '' : 's'}
        {d.nextAttemptAt && (
          <span>
            {' '}
            · next try <Time at={d.nextAttemptAt} />
          </span>
        )}{' '}
        {retryable && <ActionButton session={session} action={`${UI}/deliveries/${d.id}/retry`} label="Retry delivery" fields={{ back }} />}
      </p>
      {Array.isArray(d.attempts) && d.attempts.length > 0 && (
        <div class="table-wrap">
          <table class="stack">
            <caption class="muted">Attempts of {d.id}</caption>
            <thead>
              <tr>
                <th scope="col">At</th>
                <th scope="col">Status</th>
                <th scope="col">Latency</th>
                <th scope="col">Error or answer</th>
              </tr>
            </thead>
            <tbody>
              {d.attempts.map((a: any) => (
                <tr>
                  <td data-label="At">
                    <Time at={a.attemptedAt} />
                  </td>
                  <td data-label="Status">{a.statusCode ?? '—'}</td>
                  <td data-label="Latency">{duration(a.durationMs)}</td>
                  <td data-label="Error or answer">
                    {a.error ?? ''} {a.responseBody ? <code>{a.responseBody.slice(0, 200)}</code> : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
