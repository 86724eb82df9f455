import { startService } from '../runtime/node/service.ts';
import { parseArgs } from 'node:util';
import { HELP_OPTION, printedHelp } from './args.ts';
import { CONFIG_VARIABLES } from '../config.ts';

const HELP = `Usage: pollhook serve

Runs the HTTP API and the polling and delivery engines on one SQLite database.
On first start with an empty database a "default" tenant is created and its API key
and signing secret are printed once. SIGTERM or SIGINT stop it cleanly: it stops claiming
work, lets in-flight webhooks finish (10 s at most) and releases the rest.
Bad configuration, a wrong master key or a port in use stop it at once with one line on
stderr and exit code 1.

Environment (default in brackets):
${formatVariables()}`;

function formatVariables(): string {
  return CONFIG_VARIABLES.map((v) => `  ${v.name}  [${v.default}]\n      ${v.meaning}`).join('\n');
}

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: HELP_OPTION, strict: true });
  if (printedHelp(values, HELP)) return 0;
  // The handlers are in place before the start, so a SIGTERM right after the "serving" log (or
  // during the start) is a clean stop, not Node's default exit by signal.
  let stopRequested!: () => void;
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  const stop = () => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    stopRequested();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  let service;
  try {
    service = await startService();
  } catch (err) {
    stop();
    throw err;
  }
  await stopped;
  await service.close();
  return 0;
}
