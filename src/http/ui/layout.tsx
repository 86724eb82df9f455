import type { Child } from 'hono/jsx';
import type { Session } from './session.ts';

export const UI = '/ui';

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

export interface PageProps {
  title: string;
  session: Session | null;
  /** The nav entry to mark current. */
  current?: string;
  flash?: Flash | null;
  /** Pages that refresh their [data-live] regions when the live source reports a change. */
  live?: boolean;
  children?: Child;
}

const TENANT_NAV: [string, string][] = [
  ['overview', 'Overview'],
  ['jobs', 'Jobs'],
  ['deliveries', 'Deliveries'],
  ['endpoints', 'Endpoints'],
  ['signing-secrets', 'Signing secrets'],
  ['connections', 'Connections'],
  ['api-keys', 'API keys'],
  ['catalog', 'Event catalog'],
];
const ADMIN_NAV: [string, string][] = [
  ['tenants', 'Tenants'],
  ['catalog', 'Event catalog'],
];

export function Page(p: PageProps) {
  const nav = p.session ? (p.session.principal.kind === 'admin' ? ADMIN_NAV : TENANT_NAV) : [];
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${p.title} · pollhook`}</title>
        <link rel="icon" type="image/svg+xml" href={`${UI}/assets/favicon.svg`} />
        <link rel="stylesheet" href={`${UI}/assets/app.css`} />
        <script src={`${UI}/assets/app.js`} defer></script>
      </head>
      <body>
        <a class="skip" href="#content">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href={p.session ? `${UI}/overview` : `${UI}/sign-in`}>
            pollhook
          </a>
          {nav.length > 0 && (
            <nav class="main" aria-label="Main">
              <ul>
                {nav.map(([slug, label]) => (
                  <li>
                    <a href={`${UI}/${slug}`} aria-current={p.current === slug ? 'page' : undefined}>
                      {label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {p.session && (
            <div class="who">
              <span>{p.session.principal.kind === 'admin' ? 'admin' : `tenant ${p.session.principal.tenantId}`}</span>
              <form method="post" action={`${UI}/sign-out`} class="inline">
                <Csrf session={p.session} />
                <button type="submit">Sign out</button>
              </form>
            </div>
          )}
        </header>
        <main id="content" data-live-source={p.live ? `${UI}/live` : undefined}>
          <h1>{p.title}</h1>
          {p.flash && (
            <div class={`flash ${p.flash.kind}`} role={p.flash.kind === 'error' ? 'alert' : 'status'}>
              {p.flash.text}
            </div>
          )}
          {p.children}
        </main>
      </body>
    </html>
  );
}

export const Csrf = ({ session }: { session: Session }) => <input type="hidden" name="_csrf" value={session.csrf} />;

/** A one-button POST form (retry, delete, ...). */
export function ActionButton(p: { session: Session; action: string; label: string; confirm?: string; danger?: boolean; fields?: Record<string, string> }) {
  return (
    <form method="post" action={p.action} class="inline" data-confirm={p.confirm}>
      <Csrf session={p.session} />
      {Object.entries(p.fields ?? {}).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      <button type="submit" class={p.danger ? 'danger' : 'secondary'}>
        {p.label}
      </button>
    </form>
  );
}

export const Badge = ({ status }: { status: string | null }) => <span class={`badge s-${status ?? 'none'}`}>{status ?? 'not yet polled'}</span>;

/** A secret shown once, with a copy button (the button only works with JavaScript; the text is selectable anyway). */
export function ShownOnce(p: { id: string; label: string; value: string }) {
  return (
    <div class="card" role="status">
      <p>
        <strong>{p.label}</strong> — shown once, copy it now; it cannot be shown again.
      </p>
      <div class="secret">
        <code id={p.id}>{p.value}</code>
        <button type="button" class="secondary" data-copy={p.id}>
          Copy
        </button>
      </div>
    </div>
  );
}

export function time(isoString: string | null | undefined): string {
  if (!isoString) return '—';
  return isoString.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export const Time = ({ at }: { at: string | null | undefined }) => (at ? <time datetime={at}>{time(at)}</time> : <span>—</span>);

export function duration(ms: number | null | undefined): string {
  if (ms == null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export const pretty = (value: unknown): string => JSON.stringify(value, null, 2);

export function query(params: Record<string, string | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
