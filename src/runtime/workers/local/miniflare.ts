/**
 * Node-side tooling (never bundled into the Worker): builds the Worker with wrangler, offline,
 * and runs it under workerd with Miniflare, for `npm run dev:workers`, the tests and the bench.
 */
import { Miniflare } from 'miniflare';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../../../../', import.meta.url)));
export const COMPATIBILITY_DATE = '2026-04-26';

/** `wrangler deploy --dry-run` into a temp directory; returns the bundle's path. */
export async function buildWorker(config = join(ROOT, 'wrangler.toml')): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), 'pollhook-worker-'));
  await new Promise<void>((ok, fail) =>
    execFile(
      process.execPath,
      [join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', outdir, '--config', config],
      { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' } },
      (err, _stdout, stderr) => (err ? fail(new Error(`wrangler build failed: ${stderr}`)) : ok()),
    ),
  );
  const script = readdirSync(outdir).find((f) => f.endsWith('.js'));
  if (!script) throw new Error(`wrangler wrote no bundle into ${outdir}`);
  return join(outdir, script);
}

export interface LocalWorkerOptions {
  scriptPath: string;
  /** Variables and secrets, as strings (the same names as `npm start`). */
  vars: Record<string, string>;
  /** Durable Object storage directory; in memory when absent. */
  persistDir?: string;
  host?: string;
  port?: number;
  /** Every chunk workerd writes to stdout or stderr (the Worker's logs); printed when absent. */
  onOutput?: (chunk: string) => void;
  /** Durable Object classes by binding name; defaults to pollhook's. */
  durableObjects?: Record<string, string>;
}

export interface LocalWorker {
  url: string;
  mf: Miniflare;
  dispatch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function startLocalWorker(options: LocalWorkerOptions): Promise<LocalWorker> {
  const classes = options.durableObjects ?? { SHARDS: 'PollhookShard', DIRECTORY: 'PollhookDirectory' };
  const mf = new Miniflare({
    modules: true,
    scriptPath: options.scriptPath,
    modulesRoot: dirname(options.scriptPath),
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: ['nodejs_compat'],
    cf: false,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    bindings: options.vars,
    durableObjects: Object.fromEntries(Object.entries(classes).map(([binding, className]) => [binding, { className, useSQLite: true }])),
    ...(options.persistDir ? { durableObjectsPersist: options.persistDir } : {}),
    ...(options.onOutput
      ? { handleRuntimeStdio: (out: NodeJS.ReadableStream, err: NodeJS.ReadableStream) => [out, err].forEach((s) => s.on('data', (d) => options.onOutput!(String(d)))) }
      : {}),
  });
  const url = (await mf.ready).toString().replace(/\/$/, '');
  return {
    url,
    mf,
    dispatch: async (path, init) => (await mf.dispatchFetch(`${url}${path}`, init as never)) as unknown as Response,
    close: () => mf.dispose(),
  };
}
