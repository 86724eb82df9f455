import type { Hono } from 'hono';
import type { AppDeps } from '../../deps.ts';
import { problemText } from '../api.ts';
import { flashOf, withOk, type UiContext, type UiEnv } from '../context.ts';
import { ActionButton, Page, ShownOnce, Time, UI, type Flash } from '../layout.tsx';

export function registerSecrets(ui: Hono<UiEnv>, _deps: AppDeps): void {
  ui.get('/signing-secrets', (c) => secretsPage(c, flashOf(c), null));

  // The new secret is in this answer only (no redirect, never stored in a URL, no-store).
  ui.post('/signing-secrets/rotate', async (c) => {
    const answer = await c.get('api')('POST', '/v1/signing-secrets/rotate');
    if (!answer.ok) return secretsPage(c, { kind: 'error', text: problemText(answer.body) }, null);
    return secretsPage(c, { kind: 'ok', text: 'Rotated. The previous secret keeps signing until its expiry.' }, answer.body.secret);
  });

  ui.post('/signing-secrets/:id/expire', async (c) => {
    const answer = await c.get('api')('DELETE', `/v1/signing-secrets/${encodeURIComponent(c.req.param('id'))}`);
    if (!answer.ok) return secretsPage(c, { kind: 'error', text: problemText(answer.body) }, null);
    return c.redirect(withOk(`${UI}/signing-secrets`, 'secret-expired'), 303);
  });
}

async function secretsPage(c: UiContext, flash: Flash | null, shown: string | null) {
  const answer = await c.get('api')('GET', '/v1/signing-secrets');
  const secrets: any[] = answer.ok ? answer.body.data : [];
  const session = c.get('session');
  return c.html(
    <Page title="Signing secrets" session={session} current="signing-secrets" flash={flash}>
      {shown && <ShownOnce id="new-secret" label="New signing secret" value={shown} />}
      <p>
        Every webhook is signed with the current secret and, during a rotation's overlap, with the previous one too, so receivers can
        switch without losing a webhook.
      </p>
      <div class="table-wrap">
        <table class="stack">
          <thead>
            <tr>
              <th scope="col">Secret</th>
              <th scope="col">Created</th>
              <th scope="col">Signs until</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {secrets.map((s) => (
              <tr data-secret={s.id}>
                <td data-label="Secret">
                  <code>{s.id}</code> {s.current && <strong>current</strong>}
                </td>
                <td data-label="Created">
                  <Time at={s.createdAt} />
                </td>
                <td data-label="Signs until">{s.current ? 'until rotated' : <Time at={s.expiresAt} />}</td>
                <td data-label="Action">
                  {!s.current && (
                    <ActionButton
                      session={session}
                      action={`${UI}/signing-secrets/${s.id}/expire`}
                      label="Expire now"
                      danger
                      confirm="Stop signing with this previous secret now?"
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>
        <ActionButton
          session={session}
          action={`${UI}/signing-secrets/rotate`}
          label="Rotate signing secret"
          confirm="Issue a new signing secret? The current one keeps signing for 24 hours."
        />
      </p>
    </Page>,
  );
}
