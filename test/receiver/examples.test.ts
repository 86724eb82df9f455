/**
 * The receivers in examples/ (and, verbatim, in docs/receiving.md) against REAL deliveries: the
 * whole service in-process, upstreams from the simulator, jobs registered with the typed client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startService, type Service } from '../../src/runtime/node/service.ts';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { createClient, type PollhookClient } from '../../src/client/index.ts';
import { capturingLogger, type LogLine } from '../http/harness.ts';
import { ROOT } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait.ts';

interface Printed {
  webhookId: string;
  type: string;
  jobId: string;
  sequence: number;
}

interface ExampleReceiver {
  url: string;
  events: Printed[];
  /** Resolves once `n` events for the job were printed. */
  eventsOf(jobId: string, n: number): Promise<Printed[]>;
  stop(): Promise<void>;
}

/** Runs an example file as a user would, with `pollhook/receiver` resolved to the sources. */
function runExample(file: string, secret: string): Promise<ExampleReceiver> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'examples', file)], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', POLLHOOK_SIGNING_SECRET: secret, TSX_TSCONFIG_PATH: join(ROOT, 'examples', 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Printed[] = [];
  const listeners = new Set<() => void>();
  let output = '';
  let buffered = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d) => (output += d));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}:\n${output}`)));
    child.stdout!.on('data', (d: Buffer) => {
      output += d;
      buffered += d;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const listening = /listening on (http:\/\/\S+)/.exec(line);
        if (listening) {
          resolve({
            url: listening[1]!,
            events,
            eventsOf: (jobId, n) =>
              new Promise((done) => {
                const check = () => {
                  const mine = events.filter((e) => e.jobId === jobId);
                  if (mine.length < n) return;
                  listeners.delete(check);
                  done(mine);
                };
                listeners.add(check);
                check();
              }),
            stop: async () => {
              child.kill('SIGTERM');
              await exited;
            },
          });
        } else if (line.startsWith('{')) {
          events.push(JSON.parse(line) as Printed);
          for (const l of [...listeners]) l();
        }
      }
    });
  });
}

let dir: string;
let sim: Simulator;
let service: Service;
let client: PollhookClient;
let signingSecret: string;
const logs: LogLine[] = [];
const receivers: ExampleReceiver[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-examples-'));
  sim = await startSimulator({ stepMs: 40 });
  let banner = '';
  service = await startService({
    env: {
      PORT: '0',
      POLLHOOK_HOST: '127.0.0.1',
      POLLHOOK_DB_PATH: join(dir, 'pollhook.db'),
      POLLHOOK_MASTER_KEY: randomBytes(32).toString('base64'),
      POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      POLLHOOK_PROVIDER_FOTOLABS_BASE_URL: sim.baseUrls.fotolabs,
      POLLHOOK_PROVIDER_TOPAZ_BASE_URL: sim.baseUrls.topaz,
    },
    logger: capturingLogger(logs),
    announce: (text) => (banner += text),
    shutdownGraceMs: 1000,
  });
  const apiKey = /API key:\s+(ph_\S+)/.exec(banner)![1]!;
  signingSecret = /signing secret:\s+(whsec_\S+)/.exec(banner)![1]!;
  client = createClient({ baseUrl: service.url, apiKey });
});

afterAll(async () => {
  await Promise.all(receivers.map((r) => r.stop()));
  await service?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The promise, or a failure naming what was awaited once the deadline passes. */
async function within<T>(ms: number, promise: Promise<T>, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what()}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const errorLogs = () => logs.filter((l) => l.level === 'error' || l.level === 'warn').map((l) => JSON.stringify(l.obj));

describe.each([
  { file: 'receiver-hono.ts', provider: 'fotolabs' as const, apiKey: 'fl_sim_key' },
  { file: 'receiver-node.ts', provider: 'topaz' as const, apiKey: 'topaz_sim_key' },
])('examples/$file', ({ file, provider, apiKey }) => {
  let receiver: ExampleReceiver;
  beforeAll(async () => {
    receiver = await runExample(file, signingSecret);
    receivers.push(receiver);
  });

  it('verifies every webhook of a real job, in sequence order, and acknowledges it', async () => {
    const job = await client.jobs.create({
      provider,
      externalId: `sim-success-${file}`,
      credentials: { apiKey },
      callbackUrl: receiver.url,
      pollIntervalSeconds: 0.25,
      maxPollIntervalSeconds: 0.5,
    });

    const printed = await within(20_000, receiver.eventsOf(job.id, 3), () => `3 verified webhooks at ${file}; logs:\n${errorLogs().join('\n')}`);
    expect(printed.map((e) => [e.sequence, e.type])).toEqual([
      [1, 'job.pending'],
      [2, 'job.running'],
      [3, 'job.succeeded'],
    ]);

    // The receiver's 204 reaches the outbox: every delivery is recorded as delivered, once.
    const deliveries = await waitFor(async () => {
      const page = await client.deliveries.list({ jobId: job.id });
      return page.data.length === 3 && page.data.every((d) => d.status === 'delivered') ? page.data : null;
    });
    expect(new Set(deliveries.map((d) => d.id))).toEqual(new Set(printed.map((e) => e.webhookId)));
    expect(deliveries.every((d) => d.attemptCount === 1)).toBe(true);
  });

  it('answers 400 with the reason to a forged webhook', async () => {
    const forged = await fetch(receiver.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_forged',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': `v1,${randomBytes(32).toString('base64')}`,
      },
      body: JSON.stringify({ type: 'job.succeeded', data: {} }),
    });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toBe('bad_signature');
    const unsigned = await fetch(receiver.url, { method: 'POST', body: '{}' });
    expect(await unsigned.text()).toBe('missing_header');
  });
});

describe('docs/receiving.md', () => {
  it.each(['receiver-hono.ts', 'receiver-node.ts'])('shows examples/%s verbatim', (file) => {
    const doc = readFileSync(join(ROOT, 'docs', 'receiving.md'), 'utf8');
    const code = readFileSync(join(ROOT, 'examples', file), 'utf8').trimEnd();
    expect(doc).toContain(code);
  });
});
