/**
 * `npm run soak [-- --quick] [--jobs N] [--kills N] [--seed N]`: the crash soak (soak/soak.ts).
 * Prints the figures and exits 1 when an event was lost, invented or duplicated beyond the
 * deliveries in flight at the kills, or the database fails its integrity check.
 * `npm run soak -- --steady [--minutes 12] [--warmup 360]`: the steady-load soak instead
 * (soak/steady.ts): RSS and WAL size under constant load.
 */
import { parseArgs } from 'node:util';
import { FULL, QUICK, formatReport, runSoak, soakFailures } from './soak.ts';
import { formatSteady, runSteady, steadyFailures } from './steady.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    jobs: { type: 'string' },
    kills: { type: 'string' },
    seed: { type: 'string' },
    steady: { type: 'boolean' },
    minutes: { type: 'string' },
    warmup: { type: 'string' },
  },
  strict: true,
});
if (values.steady) {
  const minutes = values.minutes ? Number(values.minutes) : 12;
  // Until SQLite's 32 MB page cache is full (the database passes it after ~6 minutes at this load).
  const warmupSeconds = values.warmup ? Number(values.warmup) : 360;
  const report = await runSteady({
    minutes,
    warmupSeconds,
    activeJobs: 200,
    stepMs: 4_000,
    sampleEveryMs: 5_000,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${formatSteady(report)}\n`);
  const failures = steadyFailures(report, (minutes * 60 - warmupSeconds) / 3600);
  process.stdout.write(failures.length ? `STEADY SOAK FAILED: ${failures.join('; ')}\n` : 'steady soak passed\n');
  process.exit(failures.length ? 1 : 0);
}
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
