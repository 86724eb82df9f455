import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'pollhook.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a `pollhook serve` test process: its own database in `dir`, a fresh master
 * key, any free port on loopback, private networks allowed (receivers and simulators listen on
 * 127.0.0.1), plus `extra`.
 */
export function localServeEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    POLLHOOK_DB_PATH: join(dir, 'p.db'),
    PORT: '0',
    POLLHOOK_HOST: '127.0.0.1',
    POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    POLLHOOK_MASTER_KEY: randomBytes(32).toString('base64'),
    ...extra,
  };
}

/** Runs `pollhook <args>` to completion in a child process. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pollhook ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process printed so far. */
  output(): string;
  /** The default tenant's credentials, when this start created them. */
  apiKey: string | null;
  signingSecret: string | null;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Starts `pollhook serve` and resolves once it logs that it is serving. */
export function startServer(env: Record<string, string>, timeoutMs = 30_000): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve'], {
      cwd: ROOT,
      env: { ...process.env, POLLHOOK_LOG_LEVEL: 'info', ...env },
      stdio: 'pipe',
    });
    let out = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*pollhook is serving/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          url: m[1]!,
          output: () => out,
          apiKey: /API key:\s+(ph_\S+)/.exec(out)?.[1] ?? null,
          signingSecret: /signing secret:\s+(whsec_\S+)/.exec(out)?.[1] ?? null,
          exited,
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before serving:\n${out}`));
    });
  });
}
