import { startSimulator, formatSimulatorBanner } from '../simulate/index.ts';
import { parseArgs } from 'node:util';
import { HELP_OPTION, printedHelp, UsageError } from './args.ts';

const HELP = `Usage: pollhook simulate [--port <n>] [--host <addr>] [--step-ms <n>]

Serves simulated upstreams for fotolabs, pictory, topaz, magichour and aigenstudio on
loopback (default port 4010), with their real paths, auth headers and response shapes.
Point pollhook at it with the POLLHOOK_PROVIDER_<NAME>_BASE_URL values it prints.
See docs/providers.md for the scenarios and the control API.`;

export async function simulateCommand(args: string[]): Promise<number> {
  const parsed = parseArgs({
    args,
    options: { ...HELP_OPTION, port: { type: 'string' }, host: { type: 'string' }, 'step-ms': { type: 'string' } },
    strict: true,
  });
  if (printedHelp(parsed.values, HELP)) return 0;
  const port = toInt(parsed.values.port ?? '4010', '--port');
  const stepMs = parsed.values['step-ms'] ? toInt(parsed.values['step-ms'], '--step-ms') : undefined;
  const sim = await startSimulator({ host: parsed.values.host ?? '127.0.0.1', port, stepMs });
  process.stdout.write(`${formatSimulatorBanner(sim)}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await sim.close();
  return 0;
}

function toInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535 * 1000) throw new UsageError(`${flag} must be a whole number, got "${value}"`);
  return n;
}
