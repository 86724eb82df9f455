import type { Hono } from 'hono';
import type { AppDeps } from '../../deps.ts';
import { tenantOverview, type TenantOverview } from '../../../store/queries/dashboard.ts';
import { presentJob, presentSubscription } from '../../present.ts';
import { flashOf, type UiEnv } from '../context.ts';
import { Badge, Page, Time, UI, duration } from '../layout.tsx';

export function registerOverview(ui: Hono<UiEnv>, deps: AppDeps): void {
  const overview = (c: any) => {
    const session = c.get('session');
    if (session.principal.kind === 'admin') return c.redirect(`${UI}/tenants`, 303);
    const o = tenantOverview(deps.db, session.principal.tenantId, deps.clock.now());
    return c.html(
      <Page title="Overview" session={session} current="overview" flash={flashOf(c)} live>
        <div id="overview-live" data-live>
          <Figures o={o} />
          <section class="card chart" aria-labelledby="chart-title">
            <h2 id="chart-title">Delivery attempts, last hour</h2>
            <AttemptChart buckets={o.attemptBuckets} />
          </section>
          <Troubled o={o} box={deps.secretBox} />
        </div>
      </Page>,
    );
  };
  ui.get('/overview', overview);
}

function Figures({ o }: { o: TenantOverview }) {
  return (
    <div class="grid">
      <section class="card" aria-labelledby="f-lag">
        <h2 id="f-lag">Due-job lag</h2>
        <p class="stat">{duration(o.dueLagMs)}</p>
        <p class="muted">
          {o.dueJobs} due now · {o.activeJobs} active
        </p>
      </section>
      <section class="card" aria-labelledby="f-outbox">
        <h2 id="f-outbox">Outbox</h2>
        <p class="stat">{o.outbox.pending + o.outbox.retrying}</p>
        <p class="muted">
          {o.outbox.pending} pending · {o.outbox.retrying} retrying · {o.outbox.dead} dead
        </p>
      </section>
      <section class="card" aria-labelledby="f-hour">
        <h2 id="f-hour">Deliveries, last hour</h2>
        <p>
          <span class="s-ok">{o.lastHour.delivered} delivered</span> · <span class="s-warn">{o.lastHour.retrying} retrying</span> ·{' '}
          <span class="s-bad">{o.lastHour.dead} dead</span>
        </p>
        <p>
          <a href={`${UI}/deliveries?status=dead`}>Dead deliveries</a> · <a href={`${UI}/deliveries?status=failed`}>Retrying</a>
        </p>
      </section>
    </div>
  );
}

/** A bar per five minutes: delivered attempts stacked under failed ones. Drawn here, no library. */
export function AttemptChart({ buckets }: { buckets: { ok: number; failed: number }[] }) {
  const width = 600;
  const height = 160;
  const bar = width / buckets.length;
  const max = Math.max(1, ...buckets.map((b) => b.ok + b.failed));
  const scale = (n: number) => (n / max) * (height - 20);
  const total = buckets.reduce((s, b) => ({ ok: s.ok + b.ok, failed: s.failed + b.failed }), { ok: 0, failed: 0 });
  return (
    <figure>
      <svg viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-labelledby="chart-desc" width={width} height={height + 20}>
        <title id="chart-desc">{`${total.ok} successful and ${total.failed} failed attempts in the last hour, per 5 minutes`}</title>
        <line x1="0" y1={height} x2={width} y2={height} stroke="#4f5663" />
        {buckets.map((b, i) => {
          const okH = scale(b.ok);
          const badH = scale(b.failed);
          return (
            <g>
              <rect x={i * bar + 4} y={height - okH} width={bar - 8} height={okH} fill="#166534" />
              <rect x={i * bar + 4} y={height - okH - badH} width={bar - 8} height={badH} fill="#b91c1c" />
            </g>
          );
        })}
        <text x="0" y={height + 16} font-size="12" fill="#4f5663">
          60 min ago
        </text>
        <text x={width} y={height + 16} font-size="12" fill="#4f5663" text-anchor="end">
          now
        </text>
      </svg>
      <figcaption class="muted">
        Green: answered 2xx ({total.ok}). Red: failed ({total.failed}).
      </figcaption>
    </figure>
  );
}

function Troubled({ o, box }: { o: TenantOverview; box: AppDeps['secretBox'] }) {
  return (
    <div class="grid">
      <section class="card" aria-labelledby="t-endpoints">
        <h2 id="t-endpoints">Failing or disabled endpoints</h2>
        {o.troubledEndpoints.length === 0 && o.stoppedCallbacks.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <ul>
            {o.troubledEndpoints.map(presentSubscription).map((s) => (
              <li>
                <a href={`${UI}/endpoints/${s.id}`}>{s.url}</a>{' '}
                {s.enabled ? (
                  <span class="s-warn">
                    failing since <Time at={s.failingSince} />
                  </span>
                ) : (
                  <span class="s-bad">
                    disabled <Time at={s.disabledAt} />: {s.disabledReason}
                  </span>
                )}
              </li>
            ))}
            {o.stoppedCallbacks.map((j) => presentJob(j, box)).map((j) => (
              <li>
                callback of <a href={`${UI}/jobs/${j.id}`}>{j.externalId}</a> <span class="s-bad">stopped: {j.callbackDisabledReason}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="card" aria-labelledby="t-deadline">
        <h2 id="t-deadline">Jobs that hit their deadline</h2>
        {o.deadlineJobs.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <ul>
            {o.deadlineJobs.map((j) => presentJob(j, box)).map((j) => (
              <li>
                <a href={`${UI}/jobs/${j.id}`}>{j.externalId}</a> ({j.provider}) <Badge status={j.state} /> deadline <Time at={j.deadlineAt} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
