import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startService, type Service } from '../runtime/node/service.ts';
import { parseConfig } from '../config.ts';
import { startSimulator, type Simulator } from '../simulate/index.ts';
import { createLogger } from '../runtime/node/logger.ts';
import { BUILTIN_PROVIDERS, isTerminal, type JobState } from '../core/types.ts';
import { startDemoReceiver, type DemoReceiver, type DemoWebhook } from './receiver.ts';

/** One job per provider: the ordinary path, a failure, an ETA, a partial result, a flaky receiver. */
const PLAN = [
  { provider: 'fotolabs', scenario: 'success', path: '/hooks', note: 'succeeds' },
  { provider: 'pictory', scenario: 'failure', path: '/hooks', note: 'fails upstream' },
  { provider: 'topaz', scenario: 'eta', path: '/hooks', note: 'reports progress and an ETA' },
  { provider: 'magichour', scenario: 'success', path: '/flaky', note: 'receiver fails twice, then accepts' },
  { provider: 'aigenstudio', scenario: 'partial', path: '/hooks', note: 'some items fail: partially completed' },
] as const;

export interface DemoResult {
  ok: boolean;
  jobs: Array<{ provider: string; scenario: string; expected: JobState | null; state: JobState | null; events: number; verified: number }>;
  polls: number;
  attempts: number;
  verified: number;
  rejected: number;
  seconds: number;
}

/** Runs the whole flow on this machine and prints a live timeline through `print`. */
export async function runDemo(print: (line: string) => void, options: { timeoutMs?: number } = {}): Promise<DemoResult> {
  const started = Date.now();
  const t = () => `+${((Date.now() - started) / 1000).toFixed(2).padStart(6)}s`;
  const line = (kind: string, text: string) => print(`${t()}  ${kind.padEnd(9)} ${text}`);
  const dir = mkdtempSync(join(tmpdir(), 'pollhook-demo-'));
  let sim: Simulator | null = null;
  let service: Service | null = null;
  let receiver: DemoReceiver | null = null;
  let secret = '';
  const labels = new Map<string, string>();
  const counts = { polls: 0, attempts: 0 };

  try {
    sim = await startSimulator({ stepMs: 400 });
    const env: Record<string, string> = {
      POLLHOOK_DB_PATH: join(dir, 'demo.db'),
      PORT: '0',
      POLLHOOK_HOST: '127.0.0.1',
      POLLHOOK_MASTER_KEY: randomBytes(32).toString('base64'),
      POLLHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32,::1/128',
      POLLHOOK_RETRY_SCHEDULE: '1s,1s,2s,5s',
    };
    for (const p of BUILTIN_PROVIDERS) env[`POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL`] = sim.baseUrls[p];
    receiver = await startDemoReceiver(() => secret, (w: DemoWebhook) => {
      const who = labels.get(w.jobId ?? '') ?? w.jobId ?? '?';
      if (!w.verified) line('REJECTED', `${w.webhookId}: ${w.reason}`);
      else if (w.status >= 300) line('received', `${w.type} #${w.sequence} for ${who}: verified, receiver answers ${w.status} (simulated outage)`);
      else line('verified', `${w.type} #${w.sequence} for ${who} (webhook-id ${w.webhookId})`);
    });
    let banner = '';
    service = await startService({
      config: parseConfig(env),
      logger: createLogger({ level: 'error', pretty: false, destination: process.stderr as never }),
      announce: (text) => (banner = text),
      shutdownGraceMs: 1000,
      observe: {
        onPoll: (i) => {
          counts.polls++;
          line('poll', `${i.provider}: ${i.result}${i.unknownStatus ? ' (unknown status)' : ''} in ${i.durationMs} ms`);
        },
        onEvent: (i) => line('event', `${i.type} (${i.provider})`),
        onAttempt: (i) => {
          counts.attempts++;
          line('attempt', `${i.deliveryId} -> ${i.statusCode ?? 'no answer'} (${i.verdict}, ${i.durationMs} ms)`);
        },
      },
    });
    const apiKey = /API key:\s+(\S+)/.exec(banner)?.[1] ?? '';
    secret = /signing secret:\s+(\S+)/.exec(banner)?.[1] ?? '';
    print(`pollhook demo: API on ${service.url}, simulated upstreams on ${sim.url}, receiver on ${receiver.url}\n`);

    const registered: Array<{ id: string; provider: string; scenario: string; expected: JobState | null }> = [];
    for (const step of PLAN) {
      const upstream = sim.createJob({ provider: step.provider, scenario: step.scenario });
      const res = await fetch(`${service.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          provider: step.provider,
          externalId: upstream.id,
          credentials: { apiKey: upstream.apiKey },
          callbackUrl: `${receiver.url}${step.path}`,
          metadata: { demo: step.note },
          pollIntervalSeconds: 0.5,
          maxPollIntervalSeconds: 1,
        }),
      });
      const job = (await res.json()) as { id: string };
      if (res.status !== 201) throw new Error(`registering ${step.provider} failed: HTTP ${res.status} ${JSON.stringify(job)}`);
      labels.set(job.id, `${step.provider} (${step.note})`);
      registered.push({ id: job.id, provider: step.provider, scenario: step.scenario, expected: upstream.expected.finalState });
      line('register', `${job.id}: ${step.provider} job (${step.note})`);
    }

    const db = service.db;
    const finished = () => {
      const open = db.prepare<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries WHERE status IN ('pending','failed')").get()!.n;
      const states = registered.map((r) => db.prepare<{ state: JobState | null }>('SELECT state FROM jobs WHERE id = ?').get(r.id)?.state ?? null);
      return open === 0 && states.every((s) => isTerminal(s));
    };
    const deadline = Date.now() + (options.timeoutMs ?? 50_000);
    while (!finished()) {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    const webhooks = receiver.webhooks;
    const jobs = registered.map((r) => {
      const row = db.prepare<{ state: JobState | null; last_sequence: number }>('SELECT state, last_sequence FROM jobs WHERE id = ?').get(r.id);
      const verified = new Set(webhooks.filter((w) => w.jobId === r.id && w.verified && w.status < 300).map((w) => w.sequence)).size;
      return { provider: r.provider, scenario: r.scenario, expected: r.expected, state: row?.state ?? null, events: row?.last_sequence ?? 0, verified };
    });
    const verified = webhooks.filter((w) => w.verified).length;
    const rejected = webhooks.filter((w) => !w.verified).length;
    const ok = rejected === 0 && jobs.every((j) => j.state === j.expected && j.events > 0 && j.verified === j.events);
    return { ok, jobs, polls: counts.polls, attempts: counts.attempts, verified, rejected, seconds: (Date.now() - started) / 1000 };
  } finally {
    await service?.close();
    await receiver?.close();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatSummary(r: DemoResult): string {
  const rows = r.jobs.map(
    (j) =>
      `  ${j.provider.padEnd(12)} ${j.scenario.padEnd(8)} ${String(j.state).padEnd(10)} ${String(j.events).padStart(3)} events, ${String(j.verified).padStart(3)} delivered and verified${j.state === j.expected ? '' : `  (expected ${j.expected})`}`,
  );
  return [
    '',
    'Summary',
    ...rows,
    `  ${r.polls} upstream polls, ${r.attempts} delivery attempts, ${r.verified} webhooks verified, ${r.rejected} rejected, in ${r.seconds.toFixed(1)} s`,
    r.ok ? '  Every status change reached the receiver, signed and in order.' : '  Something did not arrive: see above.',
  ].join('\n');
}
