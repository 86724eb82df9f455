import type { Hono } from 'hono';
import type { AppDeps } from '../../deps.ts';
import { JOB_STATES } from '../../../core/types.ts';
import { problemText } from '../api.ts';
import { flashOf, parseUtc, tenantOf, withOk, type UiEnv } from '../context.ts';
import { searchJobs } from '../../../store/queries/dashboard.ts';
import { presentJob } from '../../present.ts';
import { decodeCursor, page } from '../../pagination.ts';
import { ProblemError } from '../../problem.ts';
import { Badge, Page, Time, UI, query, type Flash } from '../layout.tsx';
import { jobDetail } from './jobDetail.tsx';

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

