#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `npm install && npm start` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// A failed command has printed its message; should anything it started still hold the event
// loop, leave anyway (after a moment for the logs) rather than hang.
if (code !== 0) setTimeout(() => process.exit(code), 2000).unref();
