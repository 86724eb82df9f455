import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type Service, type ServiceOptions } from '../../src/runtime/node/service.ts';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { nullLogger } from '../../src/core/logger.ts';
import { BUILTIN_PROVIDERS } from '../../src/core/types.ts';

export interface Stack {
  service: Service;
  sim: Simulator;
  /** The default tenant's credentials, from the first-start banner. */
  apiKey: string;
  signingSecret: string;
  /** POST /v1/jobs as the default tenant; returns the status and body. */
  createJob(body: Record<string, unknown>): Promise<{ status: number; job: any }>;
  close(): Promise<void>;
}

/**
 * The real service in-process on a fresh database, with every provider pointed at an in-process
 * simulator and private networks allowed (receivers live on 127.0.0.1).
 */
export async function startStack(options: { stepMs?: number; env?: Record<string, string> } & Pick<ServiceOptions, 'observe' | 'serverTimeouts'> = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'pollhook-stack-'));
  const sim = await startSimulator({ stepMs: options.stepMs ?? 100 });
  const env: Record<string, string> = {
    POLLHOOK_DB_PATH: join(dir, 'p.db'),
    PORT: '0',
    POLLHOOK_HOST: '127.0.0.1',
    POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    POLLHOOK_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
    ...options.env,
  };
  for (const p of BUILTIN_PROVIDERS) env[`POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL`] = sim.baseUrls[p];
  let banner = '';
  const service = await startService({ env, logger: nullLogger, announce: (t) => (banner = t), observe: options.observe, serverTimeouts: options.serverTimeouts });
  const apiKey = /API key:\s+(\S+)/.exec(banner)![1]!;
  const signingSecret = /signing secret:\s+(\S+)/.exec(banner)![1]!;
  return {
    service,
    sim,
    apiKey,
    signingSecret,
    async createJob(body) {
      const res = await fetch(`${service.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, job: await res.json() };
    },
    async close() {
      await service.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
