import type { Hono } from 'hono';
import type { AppDeps } from '../../deps.ts';
import { BUILTIN_PROVIDERS } from '../../../core/types.ts';
import { problemText } from '../api.ts';
import { field, flashOf, formOf, withOk, type UiContext, type UiEnv } from '../context.ts';
import { ActionButton, Csrf, Page, Time, UI, type Flash } from '../layout.tsx';

export function registerConnections(ui: Hono<UiEnv>, _deps: AppDeps): void {
  ui.get('/connections', (c) => connectionsPage(c, flashOf(c)));

  ui.post('/connections', async (c) => {
    const form = await formOf(c);
    const body: Record<string, unknown> = { provider: field(form, 'provider'), credentials: { apiKey: field(form, 'apiKey') } };
    if (field(form, 'name')) body.name = field(form, 'name');
    const answer = await c.get('api')('POST', '/v1/connections', body);
    if (!answer.ok) return connectionsPage(c, { kind: 'error', text: problemText(answer.body) });
    return c.redirect(withOk(`${UI}/connections`, 'connection-created'), 303);
  });

  ui.post('/connections/:id', async (c) => {
    const form = await formOf(c);
    const answer = await c.get('api')('PATCH', `/v1/connections/${encodeURIComponent(c.req.param('id'))}`, {
      credentials: { apiKey: field(form, 'apiKey') },
    });
    if (!answer.ok) return connectionsPage(c, { kind: 'error', text: problemText(answer.body) });
    return c.redirect(withOk(`${UI}/connections`, 'connection-updated'), 303);
  });

  ui.post('/connections/:id/delete', async (c) => {
    const answer = await c.get('api')('DELETE', `/v1/connections/${encodeURIComponent(c.req.param('id'))}`);
    if (!answer.ok) return connectionsPage(c, { kind: 'error', text: problemText(answer.body) });
    return c.redirect(withOk(`${UI}/connections`, 'connection-deleted'), 303);
  });
}

async function connectionsPage(c: UiContext, flash: Flash | null) {
  const answer = await c.get('api')('GET', '/v1/connections?limit=100');
  const conns: any[] = answer.ok ? answer.body.data : [];
  const session = c.get('session');
  return c.html(
    <Page title="Connections" session={session} current="connections" flash={flash}>
      <p>Stored upstream credentials, used by jobs registered with a connectionId. Credentials are encrypted and never shown back.</p>
      {conns.length === 0 && <p class="muted">No connection yet.</p>}
      {conns.map((k) => (
        <section class="card" aria-label={`Connection ${k.name ?? k.id}`} data-connection={k.id}>
          <h2>
            {k.name ?? k.id} <span class="muted">({k.provider})</span>
          </h2>
          <p class="muted">
            <code>{k.id}</code> · created <Time at={k.createdAt} /> · credentials stored, not shown
          </p>
          <form method="post" action={`${UI}/connections/${k.id}`} class="filters">
            <Csrf session={session} />
            <div>
              <label for={`key-${k.id}`}>New API key</label>
              <input id={`key-${k.id}`} name="apiKey" type="password" autocomplete="off" required />
            </div>
            <button type="submit">Replace credentials</button>
          </form>
          <ActionButton session={session} action={`${UI}/connections/${k.id}/delete`} label="Delete" danger confirm="Delete this connection?" />
        </section>
      ))}
      <section class="card" aria-labelledby="new-conn">
        <h2 id="new-conn">Add a connection</h2>
        <form method="post" action={`${UI}/connections`}>
          <Csrf session={session} />
          <div class="field">
            <label for="c-provider">Provider</label>
            <select id="c-provider" name="provider">
              {BUILTIN_PROVIDERS.map((p) => (
                <option value={p}>{p}</option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="c-name">Name</label>
            <input id="c-name" name="name" />
          </div>
          <div class="field">
            <label for="c-key">Upstream API key</label>
            <input id="c-key" name="apiKey" type="password" autocomplete="off" required />
          </div>
          <button type="submit">Add connection</button>
        </form>
      </section>
    </Page>,
  );
}
