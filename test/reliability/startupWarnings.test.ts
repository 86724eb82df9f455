import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startService, type Service } from '../../src/runtime/node/service.ts';
import { createLogger } from '../../src/runtime/node/logger.ts';

const open: Array<{ service: Service; dir: string }> = [];
afterEach(async () => {
  for (const { service, dir } of open.splice(0)) {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Starts the service with `env` and returns its warnings. */
async function warningsFor(env: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pollhook-warn-'));
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  const service = await startService({
    env: { POLLHOOK_DB_PATH: join(dir, 'p.db'), PORT: '0', POLLHOOK_HOST: '127.0.0.1', POLLHOOK_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'), ...env },
    logger: createLogger({ level: 'info', destination: sink as never }),
    announce: () => {},
  });
  open.push({ service, dir });
  return lines.filter((l) => l.level === 40).map((l) => l.msg);
}

describe('startup warnings', () => {
  it('the narrow loopback allowance warns about nothing', async () => {
    expect(await warningsFor({ POLLHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32,::1/128' })).toEqual([]);
  });

  it.each([['true'], ['169.254.0.0/16'], ['0.0.0.0/0']])('POLLHOOK_ALLOW_PRIVATE_NETWORKS=%s warns about cloud metadata', async (value) => {
    const warnings = await warningsFor({ POLLHOOK_ALLOW_PRIVATE_NETWORKS: value });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/169\.254\.169\.254/);
  });

  it('an unknown POLLHOOK_ name (a typo) is named in a warning', async () => {
    const warnings = await warningsFor({ POLLHOOK_RETRY_SCHEDUEL: '1s' });
    expect(warnings).toEqual([expect.stringMatching(/unknown variables .*POLLHOOK_RETRY_SCHEDUEL/)]);
  });

  it('a one-character admin token is warned about, by its length only', async () => {
    const warnings = await warningsFor({ POLLHOOK_ADMIN_TOKEN: 'x' });
    expect(warnings).toEqual([expect.stringMatching(/^POLLHOOK_ADMIN_TOKEN is short \(1 of at least 16 characters\): /)]);
  });

  it('an admin token of 16 characters or more warns about nothing', async () => {
    expect(await warningsFor({ POLLHOOK_ADMIN_TOKEN: 'a'.repeat(16) })).toEqual([]);
  });
});
