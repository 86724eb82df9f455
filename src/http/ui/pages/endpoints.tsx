import type { Hono } from 'hono';
import type { AppDeps } from '../../deps.ts';
import { endpointSuccess } from '../../../store/queries/dashboard.ts';
import { problemText, type ApiAnswer } from '../api.ts';
import { flashOf, formOf, tenantOf, withOk, type UiContext, type UiEnv } from '../context.ts';
import { ActionButton, Badge, Csrf, Page, Time, UI, type Flash } from '../layout.tsx';
import { EndpointFields, fieldErrorsOf, filterOfForm, valuesOfForm, valuesOfSubscription, type EndpointValues, type FieldErrors } from './endpointForm.tsx';
import { DeliveryShown, isDeliveryId } from './endpointDelivery.tsx';
import { operationalJobId } from '../../../store/queries/operationalEvents.ts';

/** A form sent back with what was typed and the errors under their fields. */
interface Rejected {
  values: EndpointValues;
  errors: FieldErrors;
}

function rejected(values: EndpointValues, errors: FieldErrors, answer: ApiAnswer | null): { flash: Flash; form: Rejected } {
  if (!answer) return { flash: { kind: 'error', text: 'Check the fields marked below.' }, form: { values, errors } };
  const { byField, rest } = fieldErrorsOf(answer.body);
  return { flash: { kind: 'error', text: problemText(rest) }, form: { values, errors: byField } };
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function registerEndpoints(ui: Hono<UiEnv>, deps: AppDeps): void {
  ui.get('/endpoints', (c) => listPage(c, deps, { flash: flashOf(c) }));

  ui.post('/endpoints', async (c) => {
    const values = valuesOfForm(await formOf(c));
    const { filter, errors } = filterOfForm(values);
    if (Object.keys(errors).length > 0) return listPage(c, deps, rejected(values, errors, null));
    const body: Record<string, unknown> = { url: values.url };
    if (values.events.length > 0) body.events = values.events;
    if (values.description) body.description = values.description;
    if (filter) body.filter = filter;
    const answer = await c.get('api')('POST', '/v1/subscriptions', body);
    if (!answer.ok) return listPage(c, deps, rejected(values, {}, answer));
    return c.redirect(withOk(`${UI}/endpoints/${answer.body.id}`, 'endpoint-created'), 303);
  });

  ui.get('/endpoints/:id', (c) => editPage(c, deps, { flash: flashOf(c) }));

  ui.post('/endpoints/:id', async (c) => {
    const values = valuesOfForm(await formOf(c));
    const { filter, errors } = filterOfForm(values);
    if (Object.keys(errors).length > 0) return editPage(c, deps, rejected(values, errors, null));
    const patch = { url: values.url, description: values.description || null, events: values.events.length > 0 ? values.events : null, filter };
    const answer = await c.get('api')('PATCH', `/v1/subscriptions/${encodeURIComponent(c.req.param('id'))}`, patch);
    if (!answer.ok) return editPage(c, deps, rejected(values, {}, answer));
    return c.redirect(withOk(`${UI}/endpoints/${answer.body.id}`, 'endpoint-saved'), 303);
  });

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    ui.post(`/endpoints/:id/${action}`, async (c) => {
      const id = c.req.param('id');
      const answer = await c.get('api')('PATCH', `/v1/subscriptions/${encodeURIComponent(id)}`, { enabled });
      if (!answer.ok) return editPage(c, deps, { flash: { kind: 'error', text: problemText(answer.body) } });
      return c.redirect(withOk(`${UI}/endpoints/${id}`, enabled ? 'endpoint-enabled' : 'endpoint-disabled'), 303);
    });
  }

  ui.post('/endpoints/:id/delete', async (c) => {
    const answer = await c.get('api')('DELETE', `/v1/subscriptions/${encodeURIComponent(c.req.param('id'))}`);
    if (!answer.ok) return editPage(c, deps, { flash: { kind: 'error', text: problemText(answer.body) } });
    return c.redirect(withOk(`${UI}/endpoints`, 'endpoint-deleted'), 303);
  });

  ui.post('/endpoints/:id/test', async (c) => {
    const id = c.req.param('id');
    const answer = await c.get('api')('POST', `/v1/subscriptions/${encodeURIComponent(id)}/test`);
    if (!answer.ok) return editPage(c, deps, { flash: { kind: 'error', text: problemText(answer.body) } });
    return c.redirect(`${withOk(`${UI}/endpoints/${id}`, 'test-sent')}&delivery=${answer.body.id}`, 303);
  });
}

function rateText(r: { delivered: number; total: number } | undefined): string {
  if (!r || r.total === 0) return 'no finished delivery in 24 h';
  return `${Math.round((r.delivered / r.total) * 100)}% of ${r.total} in 24 h`;
}

interface PageState {
  flash: Flash | null;
  form?: Rejected;
}

/** "provider: topaz · customerId=cus_42", or "none". */
function filterText(f: { providers?: string[]; metadata?: Record<string, unknown> } | null): string {
  if (!f) return 'none';
  const parts = [f.providers ? `provider: ${f.providers.join(', ')}` : '', ...Object.entries(f.metadata ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`)];
  return parts.filter(Boolean).join(' · ');
}

async function listPage(c: UiContext, deps: AppDeps, { flash, form }: PageState) {
  const answer = await c.get('api')('GET', '/v1/subscriptions?limit=100');
  const subs: any[] = answer.ok ? answer.body.data : [];
  const tenantId = tenantOf(c);
  const rates = tenantId ? endpointSuccess(deps.db, tenantId, deps.clock.now() - DAY_MS) : new Map();
  const session = c.get('session');
  return c.html(
    <Page title="Endpoints" session={session} current="endpoints" flash={flash} live>
      <div id="endpoints-live" data-live>
        <div class="table-wrap">
          <table class="stack">
            <caption class="muted">Tenant-wide subscriptions: every job's events go to each enabled one.</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Filter</th>
                <th scope="col">State</th>
                <th scope="col">Success</th>
              </tr>
            </thead>
            <tbody>
              {subs.length === 0 && (
                <tr>
                  <td colspan={5}>No endpoint yet.</td>
                </tr>
              )}
              {subs.map((s) => (
                <tr data-endpoint={s.id}>
                  <td data-label="URL">
                    <a href={`${UI}/endpoints/${s.id}`}>{s.url}</a>
                    {s.description && <div class="muted">{s.description}</div>}
                  </td>
                  <td data-label="Events">{s.events.join(', ')}</td>
                  <td data-label="Filter">{filterText(s.filter)}</td>
                  <td data-label="State">
                    <EndpointState s={s} />
                  </td>
                  <td data-label="Success">{rateText(rates.get(s.id))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <section class="card" aria-labelledby="new-endpoint">
        <h2 id="new-endpoint">Add an endpoint</h2>
        <form method="post" action={`${UI}/endpoints`}>
          <Csrf session={session} />
          <EndpointFields v={form?.values ?? valuesOfSubscription(null)} errors={form?.errors} />
          <button type="submit">Add endpoint</button>
        </form>
      </section>
    </Page>,
  );
}

function EndpointState({ s }: { s: any }) {
  if (!s.enabled) {
    return (
      <span>
        <Badge status="disabled" /> since <Time at={s.disabledAt} />: {s.disabledReason ?? 'no reason recorded'}
      </span>
    );
  }
  if (s.failingSince) {
    return (
      <span class="s-warn">
        failing since <Time at={s.failingSince} />
      </span>
    );
  }
  return <Badge status="ok" />;
}

async function editPage(c: UiContext, deps: AppDeps, { flash, form }: PageState) {
  const id = c.req.param('id') ?? '';
  const answer = await c.get('api')('GET', `/v1/subscriptions/${encodeURIComponent(id)}`);
  const session = c.get('session');
  if (!answer.ok) {
    return c.html(
      <Page title="Endpoint not found" session={session} current="endpoints">
        <p>{problemText(answer.body)}</p>
      </Page>,
      404,
    );
  }
  const s = answer.body;
  const tenantId = tenantOf(c);
  const rate = tenantId ? endpointSuccess(deps.db, tenantId, deps.clock.now() - DAY_MS).get(s.id) : undefined;
  const recent = await c.get('api')('GET', `/v1/deliveries?subscriptionId=${s.id}&limit=10`);
  const deliveries: any[] = recent.ok ? recent.body.data : [];
  const here = `${UI}/endpoints/${s.id}`;
  // The tenant's operational events (a test event among them) have no job page: their delivery is shown here.
  const carrierJob = tenantId ? operationalJobId(tenantId) : null;
  const shownId = c.req.query('delivery');
  const shown = shownId && isDeliveryId(shownId) ? await c.get('api')('GET', `/v1/deliveries/${shownId}`) : null;
  return c.html(
    <Page title={`Endpoint ${s.url}`} session={session} current="endpoints" flash={flash} live>
      <section class="card" aria-labelledby="ep-state">
        <h2 id="ep-state">State</h2>
        <div id="endpoint-live" data-live>
          <p data-testid="endpoint-state">
            <EndpointState s={s} />
          </p>
          <p>Filter: {filterText(s.filter)}</p>
          <p>Recent success: {rateText(rate)}</p>
          {shown?.ok && shown.body.subscriptionId === s.id && <DeliveryShown d={shown.body} />}
          <h3>Latest deliveries</h3>
          {deliveries.length === 0 ? (
            <p class="muted">None yet.</p>
          ) : (
            <ul>
              {deliveries.map((d) => (
                <li data-delivery={d.id}>
                  <Badge status={d.status === 'failed' ? 'retrying' : d.status} /> {d.jobId === carrierJob ? (
                    <a href={`${here}?delivery=${d.id}`}>operational event #{d.sequence}</a>
                  ) : (
                    <a href={`${UI}/jobs/${d.jobId}`}>#{d.sequence} of {d.jobId}</a>
                  )}{' '}
                  <Time at={d.createdAt} /> {d.lastStatusCode ? `· HTTP ${d.lastStatusCode}` : ''} {d.lastError && d.status !== 'delivered' ? `· ${d.lastError}` : ''}
                </li>
              ))}
            </ul>
          )}
        </div>
        <p>
          {s.enabled ? (
            <ActionButton session={session} action={`${here}/disable`} label="Disable" />
          ) : (
            <ActionButton session={session} action={`${here}/enable`} label="Enable" />
          )}{' '}
          {s.enabled && <ActionButton session={session} action={`${here}/test`} label="Send test event" />}{' '}
          <a href={`${UI}/deliveries?subscriptionId=${s.id}`}>Its deliveries</a>{' '}
          <ActionButton session={session} action={`${here}/delete`} label="Delete" danger confirm="Delete this endpoint?" />
        </p>
      </section>
      <section class="card" aria-labelledby="ep-edit">
        <h2 id="ep-edit">Edit</h2>
        <form method="post" action={here}>
          <Csrf session={session} />
          <EndpointFields v={form?.values ?? valuesOfSubscription(s)} errors={form?.errors} />
          <button type="submit">Save</button>
        </form>
      </section>
    </Page>,
  );
}
