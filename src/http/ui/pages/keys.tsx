import type { Hono } from 'hono';
import type { AppDeps } from '../../deps.ts';
import { problemText } from '../api.ts';
import { field, flashOf, formOf, withOk, type UiContext, type UiEnv } from '../context.ts';
import { ActionButton, Csrf, Page, ShownOnce, Time, UI, type Flash } from '../layout.tsx';

export function registerKeys(ui: Hono<UiEnv>, _deps: AppDeps): void {
  ui.get('/api-keys', (c) => keysPage(c, flashOf(c), null));

  ui.post('/api-keys', async (c) => {
    const answer = await c.get('api')('POST', '/v1/api-keys', { name: field(await formOf(c), 'name') });
    if (!answer.ok) return keysPage(c, { kind: 'error', text: problemText(answer.body) }, null);
    return keysPage(c, { kind: 'ok', text: `Key “${answer.body.name}” created.` }, answer.body.key);
  });

  ui.post('/api-keys/:id/revoke', async (c) => {
    const answer = await c.get('api')('DELETE', `/v1/api-keys/${encodeURIComponent(c.req.param('id'))}`);
    if (!answer.ok) return keysPage(c, { kind: 'error', text: problemText(answer.body) }, null);
    return c.redirect(withOk(`${UI}/api-keys`, 'key-revoked'), 303);
  });
}

/** A table of keys (tenant's own or, for the admin, a tenant's) with revoke buttons. */
export function KeyTable({ keys, session, revokeBase }: { keys: any[]; session: any; revokeBase: string }) {
  return (
    <div class="table-wrap">
      <table class="stack">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Prefix</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr data-key={k.id}>
              <td data-label="Name">
                {k.name} {k.current && <strong>(this session's key)</strong>}
              </td>
              <td data-label="Prefix">
                <code>{k.prefix}…</code>
              </td>
              <td data-label="Created">
                <Time at={k.createdAt} />
              </td>
              <td data-label="Last used">
                <Time at={k.lastUsedAt} />
                {k.expiresAt && (
                  <span>
                    {' '}
                    (expires <Time at={k.expiresAt} />)
                  </span>
                )}
              </td>
              <td data-label="Action">
                <ActionButton
                  session={session}
                  action={`${revokeBase}/${k.id}/revoke`}
                  label="Revoke"
                  danger
                  confirm={k.current ? 'This is the key of this session: revoking it signs you out. Revoke?' : 'Revoke this key?'}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

async function keysPage(c: UiContext, flash: Flash | null, shown: string | null) {
  const answer = await c.get('api')('GET', '/v1/api-keys?limit=100');
  const keys: any[] = answer.ok ? answer.body.data : [];
  const session = c.get('session');
  return c.html(
    <Page title="API keys" session={session} current="api-keys" flash={flash}>
      {shown && <ShownOnce id="new-key" label="New API key" value={shown} />}
      <KeyTable keys={keys} session={session} revokeBase={`${UI}/api-keys`} />
      <section class="card" aria-labelledby="new-key-title">
        <h2 id="new-key-title">Create a key</h2>
        <form method="post" action={`${UI}/api-keys`} class="filters">
          <Csrf session={session} />
          <div>
            <label for="k-name">Name</label>
            <input id="k-name" name="name" required />
          </div>
          <button type="submit">Create key</button>
        </form>
      </section>
    </Page>,
  );
}
