import type { Hono } from 'hono';
import type { AppDeps } from '../../deps.ts';
import { problemText } from '../api.ts';
import { field, flashOf, formOf, withOk, type UiContext, type UiEnv } from '../context.ts';
import { ActionButton, Csrf, Page, ShownOnce, Time, UI, type Flash } from '../layout.tsx';
import { KeyTable } from './keys.tsx';

/** The admin's pages: tenants and their keys. A tenant session gets a 404 here, as from the API. */
export function registerTenants(ui: Hono<UiEnv>, _deps: AppDeps): void {
  ui.use('/tenants/*', async (c, next) => (c.get('session').principal.kind === 'admin' ? next() : c.notFound()));
  ui.use('/tenants', async (c, next) => (c.get('session').principal.kind === 'admin' ? next() : c.notFound()));

  ui.get('/tenants', (c) => tenantsPage(c, flashOf(c), null));
  ui.post('/tenants', async (c) => {
    const answer = await c.get('api')('POST', '/v1/tenants', { name: field(await formOf(c), 'name') });
    if (!answer.ok) return tenantsPage(c, { kind: 'error', text: problemText(answer.body) }, null);
    return tenantsPage(c, { kind: 'ok', text: `Tenant “${answer.body.name}” created (${answer.body.id}).` }, answer.body);
  });
  ui.post('/tenants/:id/delete', async (c) => {
    const answer = await c.get('api')('DELETE', `/v1/tenants/${encodeURIComponent(c.req.param('id'))}`);
    if (!answer.ok) return tenantsPage(c, { kind: 'error', text: problemText(answer.body) }, null);
    return c.redirect(withOk(`${UI}/tenants`, 'tenant-deleted'), 303);
  });

  ui.get('/tenants/:id', (c) => tenantPage(c, flashOf(c), null));
  ui.post('/tenants/:id/keys', async (c) => {
    const id = encodeURIComponent(c.req.param('id'));
    const answer = await c.get('api')('POST', `/v1/tenants/${id}/api-keys`, { name: field(await formOf(c), 'name') });
    if (!answer.ok) return tenantPage(c, { kind: 'error', text: problemText(answer.body) }, null);
    return tenantPage(c, { kind: 'ok', text: 'Key issued.' }, answer.body.key);
  });
  ui.post('/tenants/:id/keys/:keyId/revoke', async (c) => {
    const id = encodeURIComponent(c.req.param('id'));
    const answer = await c.get('api')('DELETE', `/v1/tenants/${id}/api-keys/${encodeURIComponent(c.req.param('keyId'))}`);
    if (!answer.ok) return tenantPage(c, { kind: 'error', text: problemText(answer.body) }, null);
    return c.redirect(withOk(`${UI}/tenants/${id}`, 'key-revoked'), 303);
  });
}

async function tenantsPage(c: UiContext, flash: Flash | null, created: any | null) {
  const answer = await c.get('api')('GET', '/v1/tenants?limit=200');
  const tenants: any[] = answer.ok ? answer.body.data : [];
  const session = c.get('session');
  return c.html(
    <Page title="Tenants" session={session} current="tenants" flash={flash}>
      {created && (
        <div>
          <ShownOnce id="tenant-key" label="The tenant's API key" value={created.apiKey} />
          <ShownOnce id="tenant-secret" label="The tenant's signing secret" value={created.signingSecret} />
        </div>
      )}
      <div class="table-wrap">
        <table class="stack">
          <thead>
            <tr>
              <th scope="col">Tenant</th>
              <th scope="col">Id</th>
              <th scope="col">Created</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {tenants.map((t) => (
              <tr data-tenant={t.id}>
                <td data-label="Tenant">
                  <a href={`${UI}/tenants/${t.id}`}>{t.name}</a>
                </td>
                <td data-label="Id">
                  <code>{t.id}</code>
                </td>
                <td data-label="Created">
                  <Time at={t.createdAt} />
                </td>
                <td data-label="Action">
                  <ActionButton
                    session={session}
                    action={`${UI}/tenants/${t.id}/delete`}
                    label="Delete"
                    danger
                    confirm={`Delete tenant ${t.name} and everything it owns? This cannot be undone.`}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <section class="card" aria-labelledby="new-tenant">
        <h2 id="new-tenant">Create a tenant</h2>
        <form method="post" action={`${UI}/tenants`} class="filters">
          <Csrf session={session} />
          <div>
            <label for="t-name">Name</label>
            <input id="t-name" name="name" required />
          </div>
          <button type="submit">Create tenant</button>
        </form>
      </section>
    </Page>,
  );
}

async function tenantPage(c: UiContext, flash: Flash | null, shown: string | null) {
  const id = c.req.param('id') ?? '';
  const answer = await c.get('api')('GET', `/v1/tenants/${encodeURIComponent(id)}/api-keys?limit=100`);
  const session = c.get('session');
  if (!answer.ok) {
    return c.html(
      <Page title="Tenant not found" session={session} current="tenants">
        <p>{problemText(answer.body)}</p>
      </Page>,
      404,
    );
  }
  return c.html(
    <Page title={`Tenant ${id}`} session={session} current="tenants" flash={flash}>
      {shown && <ShownOnce id="new-key" label="New API key" value={shown} />}
      <h2>API keys</h2>
      <KeyTable keys={answer.body.data} session={session} revokeBase={`${UI}/tenants/${encodeURIComponent(id)}/keys`} />
      <section class="card" aria-labelledby="issue-key">
        <h2 id="issue-key">Issue a key</h2>
        <form method="post" action={`${UI}/tenants/${encodeURIComponent(id)}/keys`} class="filters">
          <Csrf session={session} />
          <div>
            <label for="k-name">Name</label>
            <input id="k-name" name="name" required />
          </div>
          <button type="submit">Issue key</button>
        </form>
      </section>
    </Page>,
  );
}
