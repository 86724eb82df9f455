import type { Hono } from 'hono';
import type { AppDeps } from '../../deps.ts';
import { countRecoverable, searchDeliveries } from '../../../store/queries/dashboard.ts';
import { presentDelivery } from '../../present.ts';
import { decodeCursor, page } from '../../pagination.ts';
import { ProblemError } from '../../problem.ts';
import { problemText } from '../api.ts';
import { backTo, field, flashOf, formOf, parseUtc, tenantOf, withOk, type UiContext, type UiEnv } from '../context.ts';
import { ActionButton, Badge, Csrf, Page, Time, UI, query, type Flash } from '../layout.tsx';

const PAGE = 50;

const STATUSES: [string, string][] = [
  ['', 'any'],
  ['failed', 'retrying'],
  ['dead', 'dead'],
  ['pending', 'pending'],
  ['delivered', 'delivered'],
  ['canceled', 'canceled'],
];

export function registerDeliveries(ui: Hono<UiEnv>, deps: AppDeps): void {
  ui.get('/deliveries', (c) => deliveriesPage(c, deps, flashOf(c)));

  ui.post('/deliveries/:id/retry', async (c) => {
    const back = backTo(field(await formOf(c), 'back'), `${UI}/deliveries`);
    const answer = await c.get('api')('POST', `/v1/deliveries/${encodeURIComponent(c.req.param('id'))}/retry`);
    if (!answer.ok) return deliveriesPage(c, deps, { kind: 'error', text: problemText(answer.body) });
    return c.redirect(withOk(back, 'retried'), 303);
  });

  // Step one of "recover since": say how many would be queued, and ask.
  ui.post('/deliveries/recover/confirm', async (c) => {
    const form = await formOf(c);
    const since = parseUtc(field(form, 'since'));
    const subscriptionId = field(form, 'subscriptionId');
    if (since == null) return deliveriesPage(c, deps, { kind: 'error', text: 'since: give a date and time.' });
    const tenantId = tenantOf(c);
    if (!tenantId) return c.redirect(`${UI}/overview`, 303);
    const n = countRecoverable(deps.db, tenantId, since, subscriptionId || null);
    const session = c.get('session');
    return c.html(
      <Page title="Recover dead deliveries" session={session} current="deliveries">
        <section class="card" aria-labelledby="confirm-title">
          <h2 id="confirm-title">Confirm</h2>
          <p data-testid="recover-count">
            This queues again <strong>{n}</strong> dead deliver{n === 1 ? 'y' : 'ies'} created since {new Date(since).toISOString()}
            {subscriptionId ? ` for endpoint ${subscriptionId}` : ' for every endpoint and callback'}.
          </p>
          <form method="post" action={`${UI}/deliveries/recover`}>
            <Csrf session={session} />
            <input type="hidden" name="since" value={new Date(since).toISOString()} />
            <input type="hidden" name="subscriptionId" value={subscriptionId} />
            <button type="submit">Queue {n} again</button> <a href={`${UI}/deliveries`}>Cancel</a>
          </form>
        </section>
      </Page>,
    );
  });

  ui.post('/deliveries/recover', async (c) => {
    const form = await formOf(c);
    const subscriptionId = field(form, 'subscriptionId');
    const body: Record<string, string> = { since: field(form, 'since') };
    if (subscriptionId) body.subscriptionId = subscriptionId;
    const answer = await c.get('api')('POST', '/v1/deliveries/recover', body);
    if (!answer.ok) return deliveriesPage(c, deps, { kind: 'error', text: problemText(answer.body) });
    return c.redirect(withOk(`${UI}/deliveries`, 'recovered', answer.body.queued), 303);
  });
}

async function deliveriesPage(c: UiContext, deps: AppDeps, flash: Flash | null) {
  const api = c.get('api');
  const status = c.req.query('status') ?? '';
  const subscriptionId = c.req.query('subscriptionId') ?? '';
  const cursor = c.req.query('cursor') ?? '';
  const sinceText = c.req.query('since') ?? '';
  const tenantId = tenantOf(c);
  if (!tenantId) return c.redirect(`${UI}/tenants`, 303);
  const subs = await api('GET', '/v1/subscriptions?limit=100');
  const endpoints: any[] = subs.ok ? subs.body.data : [];
  let list: { data: any[]; nextCursor: string | null } = { data: [], nextCursor: null };
  try {
    const rows = searchDeliveries(deps.db, tenantId, {
      status: STATUSES.some(([v]) => v === status) ? status || undefined : undefined,
      subscriptionId: endpoints.some((e) => e.id === subscriptionId) ? subscriptionId : undefined,
      since: parseUtc(sinceText) ?? undefined,
      beforeId: cursor ? decodeCursor(cursor, 'msg') : undefined,
      limit: PAGE + 1,
    });
    list = page(rows, PAGE, presentDelivery);
  } catch (err) {
    flash = { kind: 'error', text: err instanceof ProblemError ? problemText(err) : 'The list could not be read.' };
  }
  const rows = list.data;
  const filters = { status, subscriptionId, since: sinceText };
  const session = c.get('session');
  const here = `${UI}/deliveries${query({ ...filters, cursor })}`;
  const hourAgo = new Date(Date.now() - 3600_000).toISOString().slice(0, 16);
  return c.html(
    <Page title="Deliveries" session={session} current="deliveries" flash={flash} live>
      <form method="get" action={`${UI}/deliveries`} class="filters" aria-label="Filter deliveries">
        <div>
          <label for="f-status">Status</label>
          <select id="f-status" name="status">
            {STATUSES.map(([v, label]) => (
              <option value={v} selected={v === status}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <EndpointSelect id="f-endpoint" endpoints={endpoints} selected={subscriptionId} />
        <div>
          <label for="f-since">Created since (UTC)</label>
          <input id="f-since" name="since" type="datetime-local" value={sinceText} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <div id="deliveries-live" data-live>
        <div class="table-wrap">
          <table class="stack">
            <caption class="muted">Newest first</caption>
            <thead>
              <tr>
                <th scope="col">Delivery</th>
                <th scope="col">Event</th>
                <th scope="col">Target</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
                <th scope="col">Created</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 && (
                <tr>
                  <td colspan={8}>No deliveries.</td>
                </tr>
              )}
              {rows.map((d) => (
                <tr data-delivery={d.id}>
                  <td data-label="Delivery">
                    <code>{d.id}</code>
                  </td>
                  <td data-label="Event">
                    <a href={`${UI}/jobs/${d.jobId}`}>#{d.sequence} of {d.jobId}</a>
                  </td>
                  <td data-label="Target">{d.url}</td>
                  <td data-label="Status">
                    <Badge status={d.status === 'failed' ? 'retrying' : d.status} />
                  </td>
                  <td data-label="Attempts">{d.attemptCount}</td>
                  <td data-label="Last answer">
                    {d.lastStatusCode ?? ''} {d.lastError ?? ''}
                  </td>
                  <td data-label="Created">
                    <Time at={d.createdAt} />
                  </td>
                  <td data-label="Action">
                    {(d.status === 'dead' || d.status === 'failed') && (
                      <ActionButton session={session} action={`${UI}/deliveries/${d.id}/retry`} label="Retry" fields={{ back: here }} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <nav class="pager" aria-label="Pages">
        {cursor && <a href={`${UI}/deliveries${query(filters)}`}>Newest</a>}
        {list.nextCursor && <a href={`${UI}/deliveries${query({ ...filters, cursor: list.nextCursor })}`}>Older deliveries</a>}
      </nav>
      <section class="card" aria-labelledby="recover-title">
        <h2 id="recover-title">Recover since</h2>
        <p class="muted">Queue again every dead delivery created since a time (UTC). The next step shows how many.</p>
        <form method="post" action={`${UI}/deliveries/recover/confirm`} class="filters">
          <Csrf session={session} />
          <div>
            <label for="r-since">Since (UTC)</label>
            <input id="r-since" name="since" type="datetime-local" value={hourAgo} required />
          </div>
          <EndpointSelect id="r-endpoint" endpoints={endpoints} selected={subscriptionId} />
          <button type="submit">Count dead deliveries</button>
        </form>
      </section>
    </Page>,
  );
}

function EndpointSelect({ id, endpoints, selected }: { id: string; endpoints: any[]; selected: string }) {
  return (
    <div>
      <label for={id}>Endpoint</label>
      <select id={id} name="subscriptionId">
        <option value="">all</option>
        {endpoints.map((s) => (
          <option value={s.id} selected={s.id === selected}>
            {s.url}
          </option>
        ))}
      </select>
    </div>
  );
}
