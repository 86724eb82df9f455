import type { Hono } from 'hono';
import type { AppDeps } from '../../deps.ts';
import { JOB_STATES } from '../../../core/types.ts';
import { problemText } from '../api.ts';
import { flashOf, parseUtc, tenantOf, withOk, type UiContext, type UiEnv } from '../context.ts';
import { searchJobs } from '../../../store/queries/dashboard.ts';
import { presentJob } from '../../present.ts';
import { decodeCursor, page } from '../../pagination.ts';
import { ProblemError } from '../../problem.ts';
import { ActionButton, Badge, Page, Time, UI, duration, pretty, query, type Flash } from '../layout.tsx';

const MAX_DELIVERY_DETAILS = 50;
const PAGE = 25;

export function registerJobs(ui: Hono<UiEnv>, deps: AppDeps): void {
  const providers = deps.providers.list().map((p) => p.name as string);

  ui.get('/jobs', (c) => {
    const state = c.req.query('state') ?? '';
    const provider = c.req.query('provider') ?? '';
    const text = (c.req.query('q') ?? '').trim();
    const sinceText = c.req.query('since') ?? '';
    const cursor = c.req.query('cursor') ?? '';
    const tenantId = tenantOf(c);
    if (!tenantId) return c.redirect(`${UI}/tenants`, 303);
    let flash: Flash | null = flashOf(c);
    let result: { data: any[]; nextCursor: string | null } = { data: [], nextCursor: null };
    const since = parseUtc(sinceText);
    try {
      const rows = searchJobs(deps.db, tenantId, {
        state: (JOB_STATES as readonly string[]).includes(state) ? state : undefined,
        provider: providers.includes(provider) ? provider : undefined,
        text: text || undefined,
        since: since ?? undefined,
        beforeId: cursor ? decodeCursor(cursor, 'job') : undefined,
        limit: PAGE + 1,
      });
      result = page(rows, PAGE, (r) => presentJob(r, deps.secretBox));
    } catch (err) {
      flash = { kind: 'error', text: err instanceof ProblemError ? problemText(err) : 'The list could not be read.' };
    }
    const jobs = result.data;
    const next = result.nextCursor;
    const filters = { state, provider, q: text, since: sinceText };
    return c.html(
      <Page title="Jobs" session={c.get('session')} current="jobs" flash={flash} live>
        <form method="get" action={`${UI}/jobs`} class="filters" aria-label="Filter jobs">
          <div>
            <label for="f-state">State</label>
            <select id="f-state" name="state">
              <option value="">any</option>
              {JOB_STATES.map((s) => (
                <option value={s} selected={s === state}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="f-provider">Provider</label>
            <select id="f-provider" name="provider">
              <option value="">any</option>
              {providers.map((p) => (
                <option value={p} selected={p === provider}>
                  {p}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="f-q">External id or metadata</label>
            <input id="f-q" name="q" value={text} />
          </div>
          <div>
            <label for="f-since">Registered since (UTC)</label>
            <input id="f-since" name="since" type="datetime-local" value={sinceText} />
          </div>
          <button type="submit">Filter</button>
        </form>
        <div id="jobs-live" data-live>
          <div class="table-wrap">
            <table class="stack">
              <caption class="muted">Newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Provider</th>
                  <th scope="col">External id</th>
                  <th scope="col">State</th>
                  <th scope="col">Polls</th>
                  <th scope="col">Next poll</th>
                  <th scope="col">Registered</th>
                </tr>
              </thead>
              <tbody>
                {jobs.length === 0 && (
                  <tr>
                    <td colspan={7}>No jobs.</td>
                  </tr>
                )}
                {jobs.map((j) => (
                  <tr data-job={j.id}>
                    <td data-label="Job">
                      <a href={`${UI}/jobs/${j.id}`}>{j.id}</a>
                    </td>
                    <td data-label="Provider">{j.provider}</td>
                    <td data-label="External id">{j.externalId}</td>
                    <td data-label="State">
                      <Badge status={j.state} />
                    </td>
                    <td data-label="Polls">{j.polls.count}</td>
                    <td data-label="Next poll">
                      <Time at={j.nextPollAt} />
                    </td>
                    <td data-label="Registered">
                      <Time at={j.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
        <nav class="pager" aria-label="Pages">
          {cursor && <a href={`${UI}/jobs${query(filters)}`}>Newest</a>}
          {next && <a href={`${UI}/jobs${query({ ...filters, cursor: next })}`}>Older jobs</a>}
        </nav>
      </Page>,
    );
  });

  ui.get('/jobs/:id', (c) => jobDetail(c, c.req.param('id'), flashOf(c)));

  ui.post('/jobs/:id/cancel', async (c) => {
    const id = c.req.param('id');
    const answer = await c.get('api')('DELETE', `/v1/jobs/${encodeURIComponent(id)}`);
    if (!answer.ok) return jobDetail(c, id, { kind: 'error', text: problemText(answer.body) });
    return c.redirect(withOk(`${UI}/jobs`, 'job-canceled'), 303);
  });
}

async function jobDetail(c: UiContext, id: string, flash: Flash | null) {
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
  const events: any[] = (await api('GET', `/v1/jobs/${job.id}/events?limit=100`)).body?.data ?? [];
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
          <p class="muted">
            pollhook keeps a summary of the polls, not a row per poll: each status change it observed is in the timeline below with
            the time it was observed.
          </p>
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
