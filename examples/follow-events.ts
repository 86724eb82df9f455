/**
 * Follows the tenant's events with `pollhook/client`: catches up from the feed after the saved
 * cursor, then stays on the live stream, saving the cursor of each event it handled, so a
 * restart neither misses nor repeats one. Ctrl-C stops it.
 *
 *   POLLHOOK_URL=http://127.0.0.1:8080 POLLHOOK_API_KEY=ph_... npx tsx examples/follow-events.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createClient, PollhookApiError, type FeedEvent } from 'pollhook/client';

const CURSOR_FILE = '.pollhook-cursor';
const ph = createClient({ baseUrl: process.env.POLLHOOK_URL ?? 'http://127.0.0.1:8080', apiKey: process.env.POLLHOOK_API_KEY ?? '' });
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());

let cursor = existsSync(CURSOR_FILE) ? readFileSync(CURSOR_FILE, 'utf8').trim() : undefined;

function handle(event: FeedEvent): void {
  const job = event.jobId ? ` ${event.jobId} #${event.sequence}` : '';
  console.log(`${event.createdAt}  ${event.type}${job}`);
  cursor = event.cursor;
  writeFileSync(CURSOR_FILE, cursor);
}

try {
  // The first run starts with new events; later runs catch up on what they missed first.
  if (cursor === undefined) cursor = (await ph.events.list({ limit: 1 })).pollCursor;
  for await (const event of ph.events.iterate({ after: cursor })) handle(event);
  for await (const event of ph.events.stream({ lastEventId: cursor, signal: stop.signal })) handle(event);
} catch (err) {
  if (!(err instanceof PollhookApiError)) throw err;
  console.error(err.message);
  process.exitCode = 1;
}
