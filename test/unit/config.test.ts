import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseConfig, parseDurations, ConfigError, unknownVariables } from '../../src/config.ts';

describe('parseConfig', () => {
  it('uses the contract defaults on an empty environment', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      port: 8080,
      dbPath: 'data/pollhook.db',
      adminToken: null,
      masterKey: null,
      allowPrivateNetworks: false,
      allowHttp: false,
      deliveryTimeoutMs: 15_000,
      shutdownGraceMs: 10_000,
      logLevel: 'info',
      retentionDays: 30,
    });
    expect(c.retryScheduleMs).toEqual([5e3, 300e3, 1800e3, 7200e3, 18000e3, 36000e3, 36000e3]);
  });

  it.each([
    [{ POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }, true, true],
    [{ POLLHOOK_ALLOW_PRIVATE_NETWORKS: '10.0.0.0/8, 127.0.0.0/8' }, ['10.0.0.0/8', '127.0.0.0/8'], true],
    [{ POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'true', POLLHOOK_ALLOW_HTTP: 'false' }, true, false],
    [{ POLLHOOK_ALLOW_HTTP: 'true' }, false, true],
  ])('private networks and http: %j', (env, allowPrivate, allowHttp) => {
    const c = parseConfig(env);
    expect(c.allowPrivateNetworks).toEqual(allowPrivate);
    expect(c.allowHttp).toBe(allowHttp);
  });

  it('reads provider base URL overrides and strips the trailing slash', () => {
    const c = parseConfig({ POLLHOOK_PROVIDER_FOTOLABS_BASE_URL: 'http://127.0.0.1:4010/fotolabs/' });
    expect(c.providerBaseUrls).toEqual({ fotolabs: 'http://127.0.0.1:4010/fotolabs' });
  });

  it.each([
    [{ PORT: 'abc' }, /PORT/],
    [{ POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'not-a-cidr' }, /CIDR/],
    [{ POLLHOOK_RETRY_SCHEDULE: '5s,soon' }, /soon/],
    [{ POLLHOOK_PROVIDER_TOPAZ_BASE_URL: 'nope' }, /TOPAZ/],
  ])('rejects %j with a message naming the problem', (env, message) => {
    expect(() => parseConfig(env)).toThrow(message);
  });

  it.each([
    [{ POLLHOOK_MASTER_KEY: 'abc' }, 'POLLHOOK_MASTER_KEY'],
    [{ POLLHOOK_MASTER_KEY: Buffer.alloc(31).toString('base64') }, 'POLLHOOK_MASTER_KEY'],
    [{ PORT: '65536' }, 'PORT'],
    [{ PORT: '1.5' }, 'PORT'],
    [{ POLLHOOK_ALLOW_HTTP: 'maybe' }, 'POLLHOOK_ALLOW_HTTP'],
    [{ POLLHOOK_LOG_LEVEL: 'verbose' }, 'POLLHOOK_LOG_LEVEL'],
    [{ POLLHOOK_HOST: ' ' }, 'POLLHOOK_HOST'],
    [{ POLLHOOK_DELIVERY_TIMEOUT_MS: '0' }, 'POLLHOOK_DELIVERY_TIMEOUT_MS'],
    [{ POLLHOOK_DELIVERY_TIMEOUT_MS: '-5' }, 'POLLHOOK_DELIVERY_TIMEOUT_MS'],
    [{ POLLHOOK_SHUTDOWN_GRACE_MS: 'soon' }, 'POLLHOOK_SHUTDOWN_GRACE_MS'],
    [{ POLLHOOK_SHUTDOWN_GRACE_MS: '-1' }, 'POLLHOOK_SHUTDOWN_GRACE_MS'],
    [{ POLLHOOK_LEASE_MS: '10' }, 'POLLHOOK_LEASE_MS'],
    [{ POLLHOOK_RETENTION_DAYS: 'forever' }, 'POLLHOOK_RETENTION_DAYS'],
    [{ POLLHOOK_RETRY_SCHEDULE: '' }, 'POLLHOOK_RETRY_SCHEDULE'],
    [{ POLLHOOK_RETRY_SCHEDULE: '0s' }, 'POLLHOOK_RETRY_SCHEDULE'],
    [{ POLLHOOK_RETRY_SCHEDULE: '5s,10ms' }, 'POLLHOOK_RETRY_SCHEDULE'],
    [{ POLLHOOK_RETRY_SCHEDULE: '0.01' }, 'POLLHOOK_RETRY_SCHEDULE'],
    [{ POLLHOOK_PROVIDER_PICTORY_BASE_URL: 'ftp://x' }, 'POLLHOOK_PROVIDER_PICTORY_BASE_URL'],
    [{ POLLHOOK_ALLOW_PRIVATE_NETWORKS: '10.0.0.0/8,nope' }, 'POLLHOOK_ALLOW_PRIVATE_NETWORKS'],
  ])('%j is a ConfigError naming %s', (env, variable) => {
    try {
      parseConfig(env);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe(variable);
      expect((err as Error).message.endsWith(`(${variable})`)).toBe(true);
    }
  });

  it('accepts retry delays from the minimum up', () => {
    expect(parseConfig({ POLLHOOK_RETRY_SCHEDULE: '50ms,1s,2h' }).retryScheduleMs).toEqual([50, 1_000, 7_200_000]);
    expect(() => parseConfig({ POLLHOOK_RETRY_SCHEDULE: '49ms' })).toThrow(/"49ms" is below the minimum of 50ms .*\(POLLHOOK_RETRY_SCHEDULE\)$/);
  });

  it('accepts a valid master key and explicit false', () => {
    const key = Buffer.alloc(32, 1).toString('base64');
    expect(parseConfig({ POLLHOOK_MASTER_KEY: key, POLLHOOK_ALLOW_HTTP: 'off' })).toMatchObject({ masterKey: key, allowHttp: false });
  });

  it('names the POLLHOOK_ variables nothing reads, sparing the ones client and receiver examples use', () => {
    expect(
      unknownVariables({
        POLLHOOK_RETRY_SCHEDUEL: '5s',
        POLLHOOK_DB_PATH: 'x',
        POLLHOOK_PROVIDER_TOPAZ_BASE_URL: 'http://x',
        POLLHOOK_PROVIDER_NOPE_BASE_URL: 'http://x',
        POLLHOOK_API_KEY: 'ph_',
        POLLHOOK_SIGNING_SECRET: 'whsec_',
        HOME: '/root',
      }),
    ).toEqual(['POLLHOOK_PROVIDER_NOPE_BASE_URL', 'POLLHOOK_RETRY_SCHEDUEL']);
  });
});

describe('parseDurations', () => {
  it.each([
    ['5s,5m,2h', [5000, 300_000, 7_200_000]],
    ['250ms, 1.5s', [250, 1500]],
    ['3', [3000]],
    ['1d', [86_400_000]],
  ])('%s', (input, expected) => {
    expect(parseDurations(input)).toEqual(expected);
  });
  it('rejects an empty schedule', () => {
    expect(() => parseDurations(' , ')).toThrow(ConfigError);
  });
});

describe('VERSION', () => {
  it('matches package.json, so user-agent and --version tell the truth', async () => {
    const { VERSION } = await import('../../src/version.ts');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
