import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { startStack, type Stack } from '../helpers/stack.ts';
import { BIN, ROOT, runCli } from '../helpers/cli.ts';
import { callApi } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';

let stack: Stack;
let dir: string;
let receiver: Server;
let receiverUrl: string;
/** What the local receiver got: each verified event id, in arrival order. */
const verified: string[] = [];
let rejected = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-listen-'));
  stack = await startStack({ stepMs: 50 });
  receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      try {
        // The receiver's own verification code, unchanged: the signing secret and the raw body.
        const event = new Webhook(stack.signingSecret).verify(raw, req.headers as Record<string, string>) as any;
        verified.push(String(req.headers['webhook-id']));
        expect(event.data.id).toMatch(/^job_/);
        res.writeHead(200).end('ok');
      } catch {
        rejected++;
        res.writeHead(400).end('bad signature');
      }
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
});
afterAll(async () => {
  await stack.close();
  await new Promise((r) => receiver.close(r));
  rmSync(dir, { recursive: true, force: true });
});

interface Listener {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function startListen(extra: string[] = []): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'listen', '--forward-to', receiverUrl, '--cursor-file', join(dir, 'cursor'), ...extra], {
      cwd: ROOT,
      env: { ...process.env, POLLHOOK_URL: stack.service.url, POLLHOOK_API_KEY: stack.apiKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Ready.')) resolve({ child, output: () => out, exited });
    });
    child.stderr.on('data', (d) => (out += d));
    exited.then((code) => reject(new Error(`listen exited ${code}: ${out}`)));
  });
}

async function feedIds(): Promise<string[]> {
  const ids: string[] = [];
  let after = '0';
  for (;;) {
    const { body } = await callApi(stack.service.url, stack.apiKey, `/v1/events?after=${after}&limit=200`);
    ids.push(...body.data.map((e: any) => e.id));
    after = body.nextCursor;
    if (!body.hasMore) return ids;
  }
}

const job = (externalId: string) => ({
  provider: 'fotolabs',
  externalId,
  credentials: { apiKey: 'fl_sim_key' },
  callbackUrl: `${receiverUrl.replace('/hooks', '/callback')}`,
  pollIntervalSeconds: 1,
  maxPollIntervalSeconds: 1,
});

async function createFinishedJobs(...externalIds: string[]): Promise<void> {
  const ids: string[] = [];
  for (const e of externalIds) {
    const { status, job: created } = await stack.createJob(job(e));
    expect(status).toBe(201);
    ids.push(created.id);
  }
  await waitFor(
    async () => {
      for (const id of ids) if (!(await callApi(stack.service.url, stack.apiKey, `/v1/jobs/${id}`)).body.finishedAt) return false;
      return true;
    },
    { timeoutMs: 30_000, message: 'the jobs to finish' },
  );
}

it('pollhook listen forwards every event signed, prints a line each, exits 0 on SIGINT and resumes where it stopped', async () => {
  const first = await startListen();
  await createFinishedJobs('sim-success-l1', 'sim-failure-l2');
  // Each job's callback also receives its deliveries (webhook-id msg_...); listen forwards with the event id.
  const forwarded = () => verified.filter((id) => id.startsWith('evt_'));
  await waitFor(async () => forwarded().length === (await feedIds()).length, { message: 'every event forwarded' });
  // The line is printed once the receiver has answered.
  const lines = () => first.output().split('\n').filter((l) => l.includes(' -> '));
  await waitFor(() => lines().length === forwarded().length, { message: 'one line per forwarded event' });
  expect(lines().some((l) => /job\.succeeded\s+job_\S+\s+-> 200 \(\d+ ms\)/.test(l))).toBe(true);

  first.child.kill('SIGINT');
  expect(await first.exited).toBe(0);
  const cursorAtStop = readFileSync(join(dir, 'cursor'), 'utf8').trim();

  // Events committed while nothing listens are forwarded by the next run, and nothing twice.
  const before = forwarded().length;
  await createFinishedJobs('sim-success-l3');
  expect(forwarded()).toHaveLength(before);
  const second = await startListen(['--print-json']);
  await waitFor(async () => forwarded().length === (await feedIds()).length, { message: 'the events committed meanwhile forwarded' });
  expect(forwarded().length).toBeGreaterThan(before);
  await waitFor(() => second.output().split('\n').filter((l) => l.startsWith('{')).length === forwarded().length - before, {
    message: 'one JSON line per event',
  });
  const printed = second.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  expect(printed.every((p) => p.forwarded.status === '200' && p.payload.data.id && p.webhook === undefined)).toBe(true);
  second.child.kill('SIGINT');
  expect(await second.exited).toBe(0);

  const all = await feedIds();
  expect(forwarded()).toEqual(all); // every event once, in feed order, across the restart
  expect(rejected).toBe(0);
  expect(Number(readFileSync(join(dir, 'cursor'), 'utf8'))).toBeGreaterThan(Number(cursorAtStop));
}, 60_000);

it('pollhook listen: usage errors exit 2, a refused key exits 1', async () => {
  const noTarget = await runCli(['listen'], { POLLHOOK_API_KEY: 'ph_x' });
  expect(noTarget.code).toBe(2);
  expect(noTarget.stderr).toMatch(/--forward-to/);
  const noKey = await runCli(['listen', '--forward-to', receiverUrl], { POLLHOOK_API_KEY: '' });
  expect(noKey.code).toBe(2);
  const badKey = await runCli(['listen', '--forward-to', receiverUrl, '--url', stack.service.url, '--api-key', 'ph_wrong', '--cursor-file', join(dir, 'other')]);
  expect(badKey.code).toBe(1);
  expect(badKey.stdout).toMatch(/refused/);
});
