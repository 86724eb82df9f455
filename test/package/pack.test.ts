import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

// `pollhook/receiver` and `pollhook/client` used from another project, the way the README says:
// `npm pack`, then the tarball in a fresh project. No network: the tarball is extracted where npm
// would put it, and its dependencies are linked from this checkout's install, as npm would have
// installed them.
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>;
  dependencies: Record<string, string>;
  files: string[];
};
let work: string;
let project: string;
let installed: string;
let tarball: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pollhook-pack-'));
  const env = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  // `prepare` builds dist/ (tsc) as part of the pack, as it does for a git URL install.
  const { stdout } = await run('npm', ['pack', '--pack-destination', work, '--json'], { cwd: root, env, timeout: 150_000 });
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(work, info!.filename);
  project = join(work, 'consumer');
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await run('tar', ['-xzf', tarball, '-C', join(project, 'node_modules')], { timeout: 30_000 });
  installed = join(project, 'node_modules', 'pollhook');
  renameSync(join(project, 'node_modules', 'package'), installed);
  for (const dep of [...Object.keys(pkg.dependencies), '@types/node']) {
    const link = join(project, 'node_modules', dep);
    mkdirSync(dirname(link), { recursive: true });
    if (!existsSync(link)) symlinkSync(realpathSync(join(root, 'node_modules', dep)), link, 'dir');
  }
}, 200_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  test('ships every file its exports name, built JavaScript with types, and no tests', () => {
    const targets = Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)));
    expect(targets.length).toBeGreaterThanOrEqual(5);
    for (const target of targets) expect(existsSync(join(installed, target)), target).toBe(true);
    expect(readFileSync(join(installed, 'dist/receiver/index.d.ts'), 'utf8')).toContain('verifyWebhook');
    expect(existsSync(join(installed, 'test'))).toBe(false);
    expect(existsSync(join(installed, 'node_modules'))).toBe(false);
  });

  test('a project imports pollhook/receiver and pollhook/client with node, and nothing else is exported', async () => {
    writeFileSync(
      join(project, 'use.mjs'),
      `
import { verifyWebhook, WebhookVerificationError, DEFAULT_TOLERANCE_SECONDS } from 'pollhook/receiver';
import { createClient, PollhookApiError } from 'pollhook/client';
import { Webhook } from 'svix';
const secret = 'whsec_' + Buffer.alloc(24, 7).toString('base64');
const body = JSON.stringify({ type: 'job.running', timestamp: new Date().toISOString(), data: { id: 'job_1', provider: 'http', externalId: 'x', sequence: 1, state: 'running', previousState: 'pending', upstreamStatus: 'working', progress: null, result: null, error: null, metadata: null, upstream: null, observedAt: new Date().toISOString() } });
const now = new Date();
const signature = new Webhook(secret).sign('msg_1', now, body);
const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(now / 1000)), 'webhook-signature': signature };
const event = verifyWebhook(secret, headers, body);
let reason = null;
try { verifyWebhook(secret, { ...headers, 'webhook-signature': 'v1,AAAA' }, body); } catch (e) { reason = e instanceof WebhookVerificationError ? e.reason : String(e); }
const client = createClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'ph_x' });
let internal = null;
try { await import('pollhook/src/http/app.ts'); } catch (e) { internal = e.code; }
console.log(JSON.stringify({ type: event.type, reason, tolerance: DEFAULT_TOLERANCE_SECONDS, client: typeof client.jobs, apiError: typeof PollhookApiError, internal }));
`,
    );
    const { stdout } = await run(process.execPath, ['use.mjs'], { cwd: project, timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({
      type: 'job.running',
      reason: 'bad_signature',
      tolerance: 300,
      client: 'object',
      apiError: 'function',
      internal: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    });
  });

  test('its types check in a strict TypeScript project (NodeNext)', async () => {
    writeFileSync(
      join(project, 'use.ts'),
      `
import { verifyWebhook, type PollhookEvent } from 'pollhook/receiver';
import { createClient, type Job, type PollhookClient } from 'pollhook/client';
const event: PollhookEvent = verifyWebhook('whsec_x', new Headers(), '{}');
if (event.type === 'job.succeeded') { const state: 'succeeded' = event.data.state; void state; }
const client: PollhookClient = createClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'ph_x' });
export async function first(): Promise<Job> { return client.jobs.get('job_1'); }
// Canaries: had the types collapsed to any, these lines would not be errors and tsc would say so.
// @ts-expect-error an unknown event type is a type error
const wrong: PollhookEvent['type'] = 'job.exploded';
void wrong;
// @ts-expect-error externalId is a string
void client.jobs.create({ provider: 'http', externalId: 42 });
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, lib: ['ES2023', 'DOM'], types: ['node'], skipLibCheck: true }, files: ['use.ts'] }),
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, timeout: 90_000 }).catch((e: { stdout: string }) => e);
    expect(result.stdout).toBe('');
  }, 120_000);
});
