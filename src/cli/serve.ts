import { startService } from '../runtime/node/service.ts';
import { parseArgs } from 'node:util';
import { HELP_OPTION, printedHelp } from './args.ts';

const HELP = `Usage: pollhook serve

Runs the HTTP API and the polling and delivery engines on one SQLite database.
On first start with an empty database a "default" tenant is created and its API key
and signing secret are printed once. SIGTERM or SIGINT stop it cleanly: it stops claiming
work, lets in-flight webhooks finish (10 s at most) and releases the rest.

Environment: PORT (8080), POLLHOOK_DB_PATH (data/pollhook.db), POLLHOOK_ADMIN_TOKEN,
POLLHOOK_MASTER_KEY, POLLHOOK_ALLOW_PRIVATE_NETWORKS, POLLHOOK_PROVIDER_<NAME>_BASE_URL,
POLLHOOK_RETRY_SCHEDULE, POLLHOOK_DELIVERY_TIMEOUT_MS, POLLHOOK_LOG_LEVEL.`;

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: HELP_OPTION, strict: true });
  if (printedHelp(values, HELP)) return 0;
  const service = await startService();
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await service.close();
  return 0;
}
