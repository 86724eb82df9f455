/**
 * `npm run dev:workers` (node bin/run-ts.js src/runtime/workers/local/dev.ts): a port in use
 * stops it with one line and exit 1 before anything is written, and when only its node process
 * is killed (SIGKILL: nothing of node runs), its workerd goes too and frees the port.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait.ts';

const ROOT = join(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
const dirs: string[] = [];
const servers: Server[] = [];

afterAll(async () => {
  // The guard: whatever is left of a launcher's process group (node, workerd, the watcher).
  for (const c of children) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const listenOnFreePort = () =>
  new Promise<{ server: Server; port: number }>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });

const freePort = async () => {
  const { server, port } = await listenOnFreePort();
  await new Promise((r) => server.close(r));
  return port;
};

/** Whether something accepts connections on the port. */
const serving = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** The launcher in its own process group, with its output gathered. */
function launch(port: number): { child: ChildProcess; output: { out: string; err: string }; stateDir: string } {
  const stateDir = mkdtempSync(join(tmpdir(), 'pollhook-dev-'));
  dirs.push(stateDir);
  const child = spawn(process.execPath, ['bin/run-ts.js', 'src/runtime/workers/local/dev.ts'], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, PORT: String(port), POLLHOOK_STATE_DIR: stateDir, POLLHOOK_ADMIN_TOKEN: 'dev-launcher-admin-token', POLLHOOK_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const output = { out: '', err: '' };
  child.stdout!.on('data', (d) => (output.out += d));
  child.stderr!.on('data', (d) => (output.err += d));
  return { child, output, stateDir };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

describe('npm run dev:workers', () => {
  it('on a port in use: one line naming the port and how to pick another, exit 1, nothing written', async () => {
    const { server, port } = await listenOnFreePort();
    servers.push(server);
    const { child, output, stateDir } = launch(port);
    expect(await exited(child)).toBe(1);
    expect(output.err.trimEnd().split('\n')).toEqual([
      `pollhook: port ${port} on 127.0.0.1 is in use (an earlier dev:workers still running?): stop it, or pick another port, e.g. PORT=${port + 1} npm run dev:workers`,
    ]);
    expect(output.out).toBe('');
    expect(readdirSync(stateDir)).toEqual([]);
  }, 30_000);

  it('killing only its node process (SIGKILL) takes workerd down too: the port is free again', async () => {
    const port = await freePort();
    const { child, output } = launch(port);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', () => output.out.includes('is serving') && resolve());
      child.once('exit', (code) => reject(new Error(`dev:workers exited (${code}): ${output.out}${output.err}`)));
    });
    expect(await serving(port)).toBe(true);

    child.removeAllListeners('exit');
    process.kill(child.pid!, 'SIGKILL');
    await exited(child);
    // workerd is another process: it notices on its own (within about half a second).
    await waitFor(async () => !(await serving(port)), { timeoutMs: 10_000, intervalMs: 50, message: `port ${port} to be free after node was killed` });
    const { server } = await new Promise<{ server: Server }>((resolve, reject) => {
      const s = createServer().once('error', reject).listen(port, '127.0.0.1', () => resolve({ server: s }));
    });
    servers.push(server);
  }, 60_000);
});
