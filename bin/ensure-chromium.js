#!/usr/bin/env node
// Runs before `npm test`: the dashboard's tests drive Debian's Chromium (Playwright's own browser
// download cannot run on these machines). On a fresh Debian machine, as root, it is installed
// here, so `npm test` works without a manual step; elsewhere it says what to install.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const browser = process.env.POLLHOOK_CHROMIUM ?? '/usr/bin/chromium';
if (existsSync(browser)) process.exit(0);

const canInstall = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!canInstall) {
  console.error(`npm test: the dashboard's browser tests need Chromium at ${browser}: install Debian's "chromium" package (apt-get install chromium) or set POLLHOOK_CHROMIUM.`);
  process.exit(1);
}
console.error(`npm test: installing Debian's chromium for the dashboard's browser tests (${browser} is missing)`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
  const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (r.status !== 0) {
    console.error(`npm test: apt-get ${args.join(' ')} failed; install chromium by hand`);
    process.exit(1);
  }
}
