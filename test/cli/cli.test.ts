import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startServer } from '../helpers/cli.ts';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'pollhook-cli-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('pollhook CLI', () => {
  it('prints help for the program and for a command', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Usage: pollhook <command>/);
    const serve = await runCli(['serve', '--help']);
    expect(serve.code).toBe(0);
    expect(serve.stdout).toMatch(/Usage: pollhook serve/);
  });

  it('exits 2 with a clear message on usage errors', async () => {
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const badFlag = await runCli(['tenants', 'create', 'acme', '--bogus']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/bogus/);
    const noName = await runCli(['tenants', 'create']);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/missing tenant name/);
  });

  it.each([
    [['--port', '99999'], /^pollhook simulate: --port must be a whole number from 0 to 65535, got "99999"$/],
    [['--port=-1'], /^pollhook simulate: --port must be a whole number from 0 to 65535, got "-1"$/],
    // Number() reads these as 0, so were they accepted the simulator would take a free port.
    [['--port', '0e0'], /--port must be a whole number from 0 to 65535, got "0e0"/],
    [['--port', '0', '--step-ms', '0'], /^pollhook simulate: --step-ms must be a whole number from 1 to 86400000, got "0"$/],
  ])('simulate %j: a usage error naming the flag, exit 2, nothing from Node', async (args, line) => {
    const r = await runCli(['simulate', ...args], {}, 20_000);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(line);
    expect(lines.slice(1)).toEqual(['Run `pollhook simulate --help`.']);
    expect(r.stderr).not.toMatch(/options\.port|ERR_SOCKET|\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('migrates, then reports the schema up to date', async () => {
    const env = { POLLHOOK_DB_PATH: join(tempDir(), 'p.db') };
    const first = await runCli(['migrate'], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applied migrations 1/);
    const second = await runCli(['migrate'], env);
    expect(second.stdout).toMatch(/up to date/);
  });

  it('exits 1 with a readable message when the database file is not a database', async () => {
    const path = join(tempDir(), 'junk.db');
    writeFileSync(path, 'this is not sqlite '.repeat(400));
    const r = await runCli(['migrate'], { POLLHOOK_DB_PATH: path });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a pollhook SQLite database/);
  });

  it('exits 1 with a readable message when another process holds the database lock', async () => {
    const path = join(tempDir(), 'locked.db');
    const holder = openSqlite(path);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const r = await runCli(['migrate'], { POLLHOOK_DB_PATH: path });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/locked by another process/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('creates tenants with --json, generating the master key once and reusing it', async () => {
    const dir = tempDir();
    const env = { POLLHOOK_DB_PATH: join(dir, 'p.db'), POLLHOOK_MASTER_KEY: '' };
    const a = await runCli(['tenants', 'create', 'acme', '--json'], env);
    expect(a.code).toBe(0);
    const tenant = JSON.parse(a.stdout);
    expect(tenant).toMatchObject({ name: 'acme' });
    expect(tenant.apiKey).toMatch(/^ph_/);
    expect(tenant.signingSecret).toMatch(/^whsec_/);
    expect(a.stderr).toMatch(/generated a master key/);
    const key = readFileSync(join(dir, 'master.key'), 'utf8');
    const b = await runCli(['tenants', 'create', 'globex'], env);
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/API key:\s+ph_/);
    expect(b.stderr).not.toMatch(/generated a master key/);
    expect(readFileSync(join(dir, 'master.key'), 'utf8')).toBe(key);
  });

  it('serves, creates the default tenant once, stops cleanly on SIGTERM and keeps its data', async () => {
    const dir = tempDir();
    const env = { POLLHOOK_DB_PATH: join(dir, 'p.db'), PORT: '0', POLLHOOK_MASTER_KEY: '' };
    const first = await startServer(env);
    expect(first.apiKey).toMatch(/^ph_/);
    expect(first.signingSecret).toMatch(/^whsec_/);
    const health = await fetch(`${first.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${first.url}/readyz`);
    expect(ready.status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(join(dir, 'master.key'))).toBe(true);

    const second = await startServer(env);
    expect(second.apiKey).toBeNull();
    const jobs = await fetch(`${second.url}/v1/jobs`, { headers: { authorization: `Bearer ${first.apiKey}` } });
    expect(jobs.status).toBe(200);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });
});
