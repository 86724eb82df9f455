import { Hono, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppDeps } from '../deps.ts';
import { authenticateApiKey } from '../../store/queries/authenticate.ts';
import { constantTimeEqual } from '../../security/tokens.ts';
import { apiCaller } from './api.ts';
import { FAVICON, STYLESHEET, SCRIPT } from './assets.ts';
import { flashOf, formOf, field, type UiEnv } from './context.ts';
import { Page, UI } from './layout.tsx';
import { csrfTokenMatches, isHttps, sameOrigin, securityHeaders } from './security.ts';
import { SESSION_TTL_MS, SessionStore, type Principal } from './session.ts';
import { liveStream, liveVersion } from './live.ts';
import { registerOverview } from './pages/overview.tsx';
import { registerJobs } from './pages/jobs.tsx';
import { registerDeliveries } from './pages/deliveries.tsx';
import { registerEndpoints } from './pages/endpoints.tsx';
import { registerSecrets } from './pages/secrets.tsx';
import { registerConnections } from './pages/connections.tsx';
import { registerKeys } from './pages/keys.tsx';
import { registerTenants } from './pages/tenants.tsx';
import { registerCatalog } from './pages/catalog.tsx';

const COOKIE = 'pollhook_session';
const ADMIN_PAGES = /^\/ui(\/(tenants(\/.*)?|catalog|sign-out|live))?\/?$/;
const PUBLIC = new Set([`${UI}/sign-in`, `${UI}/assets/app.css`, `${UI}/assets/app.js`, `${UI}/assets/favicon.svg`]);

/** The dashboard at /ui: server-rendered pages over the API of `app` itself. */
export function registerDashboard(app: Hono<any>, deps: AppDeps): void {
  // Its own app, entered through one middleware: its pages are not API routes (nor in the OpenAPI document).
  const ui = new Hono<UiEnv>({ strict: false }).basePath(UI);
  const sessions = new SessionStore(() => deps.clock.now());

  ui.use('*', securityHeaders());
  ui.get('/assets/app.css', (c) => c.body(STYLESHEET, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=300' }));
  ui.get('/assets/app.js', (c) => c.body(SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=300' }));
  ui.get('/assets/favicon.svg', (c) => c.body(FAVICON, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' }));

  // Every state-changing request comes from one of our own pages (Origin), signed in or not.
  ui.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !sameOrigin(c)) {
      return c.text('Cross-site request refused.', 403);
    }
    await next();
  });

  ui.get('/sign-in', (c) => c.html(<SignIn flash={flashOf(c)} />));
  ui.post('/sign-in', async (c) => {
    const credential = field(await formOf(c), 'credential');
    const principal = signIn(deps, credential);
    if (!principal) return c.html(<SignIn flash={{ kind: 'error', text: 'That API key or admin token is not valid.' }} />, 401);
    // A fresh id on every sign-in (no fixation); the browser's previous session ends.
    const previous = getCookie(c, COOKIE);
    if (previous) sessions.destroy(previous);
    const session = sessions.create(principal);
    setCookie(c, COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: isHttps(c),
      path: UI,
      maxAge: Math.floor(SESSION_TTL_MS / 1000),
    });
    return c.redirect(`${UI}/overview`, 303);
  });

  // Everything else needs a session; a POST also needs the session's CSRF token.
  ui.use('*', async (c, next) => {
    if (PUBLIC.has(c.req.path)) return next();
    const session = sessions.get(getCookie(c, COOKIE));
    if (!session) {
      if (c.req.path === `${UI}/live`) return c.json({ signedOut: true }, 401);
      return c.redirect(`${UI}/sign-in`, 303);
    }
    if (c.req.method === 'POST') {
      const form = await formOf(c);
      if (!csrfTokenMatches(session.csrf, form._csrf)) return c.text('Missing or wrong CSRF token.', 403);
    }
    // The admin token is not a tenant key: the tenant pages are not the admin's.
    if (session.principal.kind === 'admin' && !ADMIN_PAGES.test(c.req.path)) return c.redirect(`${UI}/tenants`, 303);
    const requestId: string = (c.env as { requestId?: string } | undefined)?.requestId ?? globalThis.crypto.randomUUID();
    c.set('session', session);
    c.set('requestId', requestId);
    const call = apiCaller(app, session, requestId);
    // A credential revoked since sign-in ends the session at its next use.
    c.set('api', async (method, path, body) => {
      const answer = await call(method, path, body);
      if (answer.status === 401) {
        sessions.destroy(session.id);
        throw new SignedOut();
      }
      return answer;
    });
    await next();
  });
  ui.onError((err, c) => {
    if (err instanceof SignedOut) {
      deleteCookie(c, COOKIE, { path: UI });
      return c.redirect(`${UI}/sign-in`, 303);
    }
    throw err;
  });

  ui.post('/sign-out', (c) => {
    sessions.destroy(c.get('session').id);
    deleteCookie(c, COOKIE, { path: UI, secure: isHttps(c) });
    return c.redirect(`${UI}/sign-in?ok=signed-out`, 303);
  });
  ui.get('/live', (c) => {
    const session = c.get('session');
    if (!(c.req.header('accept') ?? '').includes('text/event-stream')) return c.json({ version: liveVersion(deps, session) });
    // No stream here (a runtime without the hub, or the admin): EventSource fails and the page polls.
    if (!deps.streams || session.principal.kind !== 'tenant') return c.body(null, 204);
    const principal = session.principal;
    const stillSignedIn = () =>
      sessions.get(session.id) === session && authenticateApiKey(deps.db, principal.credential, deps.clock.now()) !== null;
    const body = liveStream({ ...deps, streams: deps.streams }, { ...session, principal }, stillSignedIn);
    if (body === 'full') return c.body(null, 429);
    if (body === 'closed') return c.body(null, 503);
    return c.body(body, 200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store, no-transform', 'x-accel-buffering': 'no' });
  });

  registerOverview(ui, deps);
  registerJobs(ui, deps);
  registerDeliveries(ui, deps);
  registerEndpoints(ui, deps);
  registerSecrets(ui, deps);
  registerConnections(ui, deps);
  registerKeys(ui, deps);
  registerTenants(ui, deps);
  registerCatalog(ui, deps);

  ui.notFound((c) =>
    c.html(
      <Page title="Not found" session={c.get('session') ?? null}>
        <p>There is no such page or item.</p>
      </Page>,
      404,
    ),
  );
  ui.get('/', (c) => c.redirect(`${UI}/overview`, 303));
  // The page's request id goes along, so its log line and those of the API calls it makes share it.
  const dashboard: MiddlewareHandler = async (c) => ui.fetch(c.req.raw, { ...(c.env as object), requestId: c.get('requestId') });
  app.use(UI, dashboard);
  app.use(`${UI}/*`, dashboard);
}

class SignedOut extends Error {}

function signIn(deps: AppDeps, credential: string): Principal | null {
  if (!credential) return null;
  const admin = deps.config.adminToken;
  if (admin && constantTimeEqual(credential, admin)) return { kind: 'admin', credential };
  const key = authenticateApiKey(deps.db, credential, deps.clock.now());
  return key ? { kind: 'tenant', tenantId: key.tenantId, keyId: key.keyId, credential } : null;
}

function SignIn({ flash }: { flash: ReturnType<typeof flashOf> }) {
  return (
    <Page title="Sign in" session={null} flash={flash}>
      <section class="card" aria-labelledby="signin-help">
        <p id="signin-help">
          Sign in with a tenant API key (<code>ph_...</code>) or the operator's admin token. The key is exchanged for a session
          here; the browser only keeps a session cookie.
        </p>
        <form method="post" action={`${UI}/sign-in`}>
          <div class="field">
            <label for="credential">API key or admin token</label>
            <input id="credential" name="credential" type="password" autocomplete="current-password" required size={48} />
          </div>
          <button type="submit">Sign in</button>
        </form>
      </section>
    </Page>
  );
}
