import { parseArgs } from 'node:util';
import { runDemo, formatSummary } from '../demo/run.ts';
import { HELP_OPTION, printedHelp } from './args.ts';

const HELP = `Usage: pollhook demo

Runs the whole flow on this machine in under a minute, touching nothing else: pollhook on a
temporary database, simulated upstreams for all five providers, and a local receiver that
verifies every webhook. It registers one job per provider (one fails upstream, one's receiver
fails twice before accepting), prints a live timeline (poll, event, delivery attempt, verified)
and a summary. Exits 0 when every status change was delivered and verified.`;

export async function demoCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: HELP_OPTION, strict: true });
  if (printedHelp(values, HELP)) return 0;
  const result = await runDemo((line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`${formatSummary(result)}\n`);
  return result.ok ? 0 : 1;
}
