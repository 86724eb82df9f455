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
  const port = wholeNumber(parsed.values.port ?? '4010', '--port', 0, 65_535);
  const stepMs = parsed.values['step-ms'] !== undefined ? wholeNumber(parsed.values['step-ms'], '--step-ms', 1, MAX_STEP_MS) : undefined;
  const sim = await startSimulator({ host: parsed.values.host ?? '127.0.0.1', port, stepMs });
  process.stdout.write(`${formatSimulatorBanner(sim)}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await sim.close();
  return 0;
}

/** A day: a scenario step longer than that is no simulation anyone waits for. */
const MAX_STEP_MS = 86_400_000;

/** Digits only (no `1e3`, `0x10` or blanks, which Number() would accept), within [min, max]. */
function wholeNumber(value: string, flag: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}
