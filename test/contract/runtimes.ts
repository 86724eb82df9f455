/**
 * The two runtimes the contract suite runs against, behind one shape: the Node service
 * (startService) and the Worker under workerd (Miniflare), each with every provider pointed at
 * the in-process simulator, loopback targets allowed and a fast retry schedule.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from '../../src/runtime/node/service.ts';
import { nullLogger } from '../../src/core/logger.ts';
import { BUILTIN_PROVIDERS } from '../../src/core/types.ts';
import type { Simulator } from '../../src/simulate/index.ts';
import { buildWorker, startLocalWorker } from '../../src/runtime/workers/local/miniflare.ts';

export interface Runtime {
  url: string;
  adminToken: string;
  close(): Promise<void>;
}

export const ADMIN_TOKEN = 'contract-admin-token';

export function contractEnv(sim: Simulator): Record<string, string> {
  const env: Record<string, string> = {
    POLLHOOK_ADMIN_TOKEN: ADMIN_TOKEN,
    POLLHOOK_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
    POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    POLLHOOK_RETRY_SCHEDULE: '100ms,100ms,100ms,100ms',
    POLLHOOK_DELIVERY_TIMEOUT_MS: '5000',
    POLLHOOK_LOG_LEVEL: 'error',
  };
  for (const p of BUILTIN_PROVIDERS) env[`POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL`] = sim.baseUrls[p];
  return env;
}

export async function startNodeRuntime(sim: Simulator): Promise<Runtime> {
  const dir = mkdtempSync(join(tmpdir(), 'pollhook-contract-'));
  const env = { ...contractEnv(sim), POLLHOOK_DB_PATH: join(dir, 'p.db'), PORT: '0', POLLHOOK_HOST: '127.0.0.1' };
  const service = await startService({ env, logger: nullLogger, announce: () => {} });
  return {
    url: service.url,
    adminToken: ADMIN_TOKEN,
    async close() {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let bundle: Promise<string> | null = null;

export async function startWorkersRuntime(sim: Simulator): Promise<Runtime> {
  bundle ??= buildWorker();
  const worker = await startLocalWorker({ scriptPath: await bundle, vars: contractEnv(sim) });
  return { url: worker.url, adminToken: ADMIN_TOKEN, close: () => worker.close() };
}
