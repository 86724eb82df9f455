/**
 * `npm run dev:workers`: the Worker under workerd on this machine, offline, with the variables
 * of `npm start`. Durable Object storage (each shard's SQLite and its alarm) is kept in
 * $POLLHOOK_STATE_DIR (default data/workers/), so a restart resumes where the last run stopped,
 * alarms included, with no request needed. Prints the default tenant's key and secret once.
 * workerd exits with this process, however it ends (tiedWorkerd.ts); a port in use stops the
 * start with one line before anything is built or written.
 */
import { join, resolve } from 'node:path';
import { ConfigError, parseConfig } from '../../../config.ts';
import { readMasterKey, writeKeyFile } from '../../node/masterKey.ts';
import { createLogger } from '../../node/logger.ts';
import { probePort } from '../../node/listen.ts';
import { buildWorker, startLocalWorker } from './miniflare.ts';
import { tieWorkerdToThisProcess } from './tiedWorkerd.ts';

const HOST = '127.0.0.1';
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const fail = (message: string): never => {
  process.stderr.write(`pollhook: ${message}\n`);
  process.exit(1);
};
const portInUse = (port: number) =>
  `port ${port} on ${HOST} is in use (an earlier dev:workers still running?): stop it, or pick another port, e.g. PORT=${port === 65_535 ? 8081 : port + 1} npm run dev:workers`;

const env = process.env;
const config = (() => {
  try {
    return parseConfig(env);
  } catch (err) {
    return fail(messageOf(err));
  }
})();
await probePort(config.port, HOST).catch((err) => fail(err instanceof ConfigError && err.problem.endsWith('is in use') ? portInUse(config.port) : messageOf(err)));
const stateDir = resolve(env.POLLHOOK_STATE_DIR || 'data/workers');
const logger = createLogger({ level: config.logLevel, pretty: false });
const masterKey = (() => {
  try {
    const loaded = readMasterKey({ masterKey: config.masterKey, dbPath: join(stateDir, 'pollhook.db') });
    const key = loaded.key.toString('base64');
    if (loaded.source.kind === 'generated') {
      writeKeyFile(loaded.source.file, key, 'wx');
      logger.warn({ file: loaded.source.file }, 'POLLHOOK_MASTER_KEY is not set: generated a master key into this file; back it up');
    }
    return key;
  } catch (err) {
    return fail(messageOf(err));
  }
})();

const vars: Record<string, string> = {};
for (const [k, v] of Object.entries(env)) if (k.startsWith('POLLHOOK_') && v !== undefined) vars[k] = v;
vars.POLLHOOK_MASTER_KEY = masterKey;

tieWorkerdToThisProcess();
const scriptPath = await buildWorker().catch((err: Error) => fail(err.message));
const worker = await startLocalWorker({ scriptPath, vars, persistDir: join(stateDir, 'durable-objects'), host: HOST, port: config.port }).catch((err: Error & { code?: string }) =>
  // Taken between the probe and workerd's bind.
  fail(err.code === 'ERR_ADDRESS_IN_USE' ? portInUse(config.port) : err.message),
);

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
process.on('SIGHUP', stop);
