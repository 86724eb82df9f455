/**
 * `npm run soak [-- --quick] [--jobs N] [--kills N] [--seed N]`: the crash soak (soak/soak.ts).
 * Prints the figures and exits 1 when an event was lost, invented or duplicated beyond the
 * deliveries in flight at the kills, or the database fails its integrity check.
 */
import { parseArgs } from 'node:util';
import { FULL, QUICK, formatReport, runSoak, soakFailures } from './soak.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    jobs: { type: 'string' },
    kills: { type: 'string' },
    seed: { type: 'string' },
  },
  strict: true,
});
const base = values.quick ? QUICK : FULL;
const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const report = await runSoak({
  ...base,
  jobs: values.jobs ? Number(values.jobs) : base.jobs,
  kills: values.kills ? Number(values.kills) : base.kills,
  seed,
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${formatReport(report)}\n`);
const failures = soakFailures(report);
if (failures.length) {
  process.stdout.write(`SOAK FAILED: ${failures.join('; ')}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(`${new Date().toISOString().slice(0, 10)} soak passed\n`);
}
