/**
 * Child processes for the benchmark. Servers (receiver, upstream) and measurement tasks each run
 * in their own process, so no measurement shares an event loop, a heap or an RSS with another.
 * Every child is a TypeScript module started through bin/run-ts.js and talks over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RUN_TS = resolve(ROOT, 'bin/run-ts.js');

export interface RunningServer {
  url: string;
  pid: number;
  close(): Promise<void>;
}

function start(script: string, args: string[], execArgv: string[] = []): ChildProcess {
  return fork(RUN_TS, [resolve(ROOT, script), ...args], {
    cwd: ROOT,
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function firstMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${what} exited (code ${code}) before answering`));
    child.once('exit', onExit);
    child.once('message', (msg) => {
      child.off('exit', onExit);
      resolvePromise(msg as T);
    });
  });
}

/** Starts a server script that sends `{ url }` once it listens. */
export async function startServer(script: string, options: Record<string, unknown> = {}): Promise<RunningServer> {
  const child = start(script, [JSON.stringify(options)]);
  const { url } = await firstMessage<{ url: string }>(child, script);
  return {
    url,
    pid: child.pid!,
    close: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** Runs a task script to completion and returns the result it sent. */
export async function runTask<T>(script: string, input: unknown, execArgv: string[] = []): Promise<T> {
  const child = start(script, [JSON.stringify(input)], execArgv);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const msg = await firstMessage<{ ok: boolean; value?: T; error?: string }>(child, script);
  await exited;
  if (!msg.ok) throw new Error(`${script} failed: ${msg.error}`);
  return msg.value as T;
}

/** A task process that stays up and answers one request at a time (over IPC) until closed. */
export interface TaskSession {
  ask<T>(request: unknown): Promise<T>;
  /** Sends the last request; the task answers it and exits. */
  finish<T>(request: unknown): Promise<T>;
}

/**
 * Starts a task script that answers requests (see `serveTaskRequests`). The benchmark drives two
 * such sessions in alternation when a ratio's two sides must see the same moments of a shared,
 * noisy machine.
 */
export async function startTaskSession(script: string, input: unknown): Promise<TaskSession> {
  const child = start(script, [JSON.stringify(input)]);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const ask = async <T>(request: unknown): Promise<T> => {
    const answer = firstMessage<{ ok: boolean; value?: T; error?: string }>(child, script);
    child.send(request as object);
    const msg = await answer;
    if (!msg.ok) throw new Error(`${script} failed: ${msg.error}`);
    return msg.value as T;
  };
  await ask<unknown>({ ready: true });
  return {
    ask,
    finish: async <T>(request: unknown) => {
      const value = await ask<T>(request);
      child.disconnect();
      await exited;
      return value;
    },
  };
}

/** The body of a session task: answers each request with `handle`'s result until disconnected. */
export async function serveTaskRequests<I, R>(handle: (input: I, request: R) => unknown): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as I;
  process.on('message', (request: R) => {
    let message: { ok: boolean; value?: unknown; error?: string };
    try {
      message = { ok: true, value: handle(input, request) };
    } catch (err) {
      message = { ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
    process.send!(message);
  });
  process.on('disconnect', () => process.exit(0));
}

/**
 * The body of every task script: reads its input, runs, and reports the result over IPC (or
 * prints it when run by hand, e.g. under `node --cpu-prof`).
 */
export async function taskMain<I, O>(run: (input: I) => Promise<O>): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as I;
  let message: { ok: boolean; value?: O; error?: string };
  try {
    message = { ok: true, value: await run(input) };
  } catch (err) {
    message = { ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  if (process.send) await new Promise<void>((done) => process.send!(message, () => done()));
  else console.log(JSON.stringify(message, null, 2));
  process.exit(message.ok ? 0 : 1);
}

/** Polls a condition (bounded), for waiting on another process where no event can be awaited. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, intervalMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The latency run's own upstream and recording receiver, each in its own process. */
export async function runTaskServers(upstreamOptions: Record<string, unknown>): Promise<{ upstream: RunningServer; receiver: RunningServer }> {
  const [upstream, receiver] = await Promise.all([
    startServer('bench/servers/upstream.ts', upstreamOptions),
    startServer('bench/servers/receiver.ts', { record: true }),
  ]);
  return { upstream, receiver };
}

/**
 * The body of every server script: listens on loopback with long keep-alive and tells its URL to
 * the benchmark that forked it (over IPC), or prints it when started by hand (profiling).
 */
export function serveChild(server: Server): void {
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (process.send) process.send({ url });
    else console.log(url);
  });
  process.on('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
}
