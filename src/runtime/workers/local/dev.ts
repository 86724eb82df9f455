/**
 * `npm run dev:workers`: the Worker under workerd on this machine, offline, with the variables
 * of `npm start`. Durable Object storage (each shard's SQLite and its alarm) is kept in
 * $POLLHOOK_STATE_DIR (default data/workers/), so a restart resumes where the last run stopped,
 * alarms included, with no request needed. Prints the default tenant's key and secret once.
 */
import { join, resolve } from 'node:path';
import { parseConfig } from '../../../config.ts';
import { readMasterKey, writeKeyFile } from '../../node/masterKey.ts';
import { createLogger } from '../../node/logger.ts';
import { buildWorker, startLocalWorker } from './miniflare.ts';

const env = process.env;
let config;
try {
  config = parseConfig(env);
} catch (err) {
  console.error(`pollhook: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
const stateDir = resolve(env.POLLHOOK_STATE_DIR || 'data/workers');
const logger = createLogger({ level: config.logLevel, pretty: false });
let masterKey: string;
try {
  const loaded = readMasterKey({ masterKey: config.masterKey, dbPath: join(stateDir, 'pollhook.db') });
  masterKey = loaded.key.toString('base64');
  if (loaded.source.kind === 'generated') {
    writeKeyFile(loaded.source.file, masterKey, 'wx');
    logger.warn({ file: loaded.source.file }, 'POLLHOOK_MASTER_KEY is not set: generated a master key into this file; back it up');
  }
} catch (err) {
  console.error(`pollhook: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

const vars: Record<string, string> = {};
for (const [k, v] of Object.entries(env)) if (k.startsWith('POLLHOOK_') && v !== undefined) vars[k] = v;
vars.POLLHOOK_MASTER_KEY = masterKey;

const worker = await startLocalWorker({
  scriptPath: await buildWorker(),
  vars,
  persistDir: join(stateDir, 'durable-objects'),
  host: '127.0.0.1',
  port: config.port,
});

const directory = await worker.mf.getDurableObjectNamespace('DIRECTORY');
const res = await directory.get(directory.idFromName('directory')).fetch('https://directory/bootstrap', { method: 'POST' });
const boot = (await res.json()) as { created: boolean; apiKey?: string; signingSecret?: string };
if (boot.created) {
  process.stdout.write(
    [
      '',
      '  pollhook: created the "default" tenant on this new state directory. These are shown ONCE:',
      `    API key:         ${boot.apiKey}`,
      `    signing secret:  ${boot.signingSecret}`,
      '  Use the API key as `Authorization: Bearer <key>`; verify webhooks with the signing secret.',
      '',
      '',
    ].join('\n'),
  );
}
// Always shown, whatever the log level: scripts wait for this line.
process.stdout.write(`pollhook (Workers, local workerd) is serving on ${worker.url}, state in ${stateDir}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await worker.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
