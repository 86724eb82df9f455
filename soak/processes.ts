/** Child processes of the soak: each started through bin/, ready once it prints its address. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BUILTIN_PROVIDERS } from '../src/core/types.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Child {
  child: ChildProcess;
  /** The address it printed. */
  url: string;
  /** The last ~64 KiB it printed, for diagnostics. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends the signal and resolves once the process is gone. */
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const TAIL_BYTES = 64 * 1024;

/** Spawns `node <args>` in the project root and resolves when `ready` matches its output. */
export function startChild(args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 30_000): Promise<Child> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    let found = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not become ready:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.length > TAIL_BYTES) out = out.slice(out.length - TAIL_BYTES);
      const m = found ? null : ready.exec(out);
      if (m) {
        found = true;
        clearTimeout(timer);
        resolve({
          child,
          url: m[1]!,
          output: () => out,
          exited,
          stop: (signal) => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (!found) reject(new Error(`${args.join(' ')} exited (${code ?? signal}) before it was ready:\n${out}`));
    });
  });
}

/**
 * `pollhook serve`'s environment for a soak: a database in `dir`, a free port on loopback, every
 * provider pointed at the simulator, loopback (only) allowed as a target, a fresh master key.
 */
export function serverEnv(dbPath: string, simulatorUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    POLLHOOK_DB_PATH: dbPath,
    PORT: '0',
    POLLHOOK_HOST: '127.0.0.1',
    POLLHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32,::1/128',
    POLLHOOK_MASTER_KEY: randomBytes(32).toString('base64'),
    ...extra,
  };
  for (const p of BUILTIN_PROVIDERS) env[`POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL`] = `${simulatorUrl}/${p}`;
  return env;
}

export const startServer = (env: Record<string, string>) =>
  startChild([join('bin', 'pollhook.js'), 'serve'], { POLLHOOK_LOG_LEVEL: 'info', ...env }, /"url":"(http:\/\/[^"]+)"[^\n]*pollhook is serving/);

export const startSimulatorProcess = (stepMs: number) =>
  startChild([join('bin', 'pollhook.js'), 'simulate', '--port', '0', '--step-ms', String(stepMs)], {}, /simulator listening on (http:\/\/\S+)/);

export const startReceiverProcess = (secret: string, out: string, failRate: number, delayMs: number) =>
  startChild(
    [join('bin', 'run-ts.js'), join('soak', 'receiver.ts'), '--secret', secret, '--out', out, '--fail-rate', String(failRate), '--delay-ms', String(delayMs)],
    {},
    /listening (http:\/\/\S+)/,
  );
