import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerProcess } from '../helpers/cli.ts';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import type { Database } from '../../src/store/port.ts';
import { appendEvents, seedJobRow } from './support.ts';
import { openStream } from './streamClient.ts';

let dir: string;
let env: Record<string, string>;
let server: ServerProcess | null = null;
let db: Database;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-stream-restart-'));
  env = {
    POLLHOOK_DB_PATH: join(dir, 'p.db'),
    PORT: '0',
    POLLHOOK_HOST: '127.0.0.1',
    POLLHOOK_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
  };
});
afterAll(() => {
  server?.child.kill('SIGKILL');
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a stream resumed with Last-Event-ID after the server was killed and restarted gets every event once, in order', async () => {
  server = await startServer(env);
  const apiKey = server.apiKey!;
  // Events are written by this process on the same database file: the server finds them by its
  // once-a-second check of the feed counter, as it would another pollhook process's commits.
  db = openSqlite(env.POLLHOOK_DB_PATH!);
  const tenantId = db.prepare<{ id: string }>('SELECT id FROM tenants').get()!.id;
  const job = { id: seedJobRow(db, tenantId), tenantId };
  const written = [...appendEvents(db, job, 5)];

  const first = await openStream(`${server.url}/v1/events/stream?after=0`, { authorization: `Bearer ${apiKey}` });
  const got = await first.events(5);
  written.push(...appendEvents(db, job, 5));
  got.push(...(await first.events(3)));

  server.child.kill('SIGKILL');
  await server.exited;
  first.close();
  written.push(...appendEvents(db, job, 7)); // while nothing serves

  server = await startServer(env);
  const resumed = await openStream(`${server.url}/v1/events/stream?after=0`, {
    authorization: `Bearer ${apiKey}`,
    'last-event-id': got.at(-1)!.id,
  });
  got.push(...(await resumed.events(written.length - got.length)));
  written.push(...appendEvents(db, job, 4));
  got.push(...(await resumed.events(4)));
  resumed.close();

  expect(got.map((e) => e.data.id)).toEqual(written);
  expect(new Set(got.map((e) => e.id)).size).toBe(written.length);

  // A clean shutdown ends the stream (the client sees the end, not a reset).
  const last = await openStream(`${server.url}/v1/events/stream`, { authorization: `Bearer ${apiKey}` });
  server.child.kill('SIGTERM');
  const comments: string[] = [];
  for await (const m of last.messages) if (m.kind === 'comment') comments.push(m.text);
  expect(comments).toContain('server shutting down');
  expect(await server.exited).toBe(0);
  server = null;
}, 60_000);
