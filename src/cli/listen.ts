import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { HELP_OPTION, printedHelp, UsageError } from './args.ts';
import { readSse } from './sseClient.ts';
import { makeDirectory } from '../runtime/node/makeDirectory.ts';

const HELP = `Usage: pollhook listen --forward-to <url> [options]

Follows your tenant's live event stream and POSTs each event to a local URL with real
Standard Webhooks headers, signed by the server with your current signing secret, so your
receiver's verification code runs unchanged. Needs no public URL. Ctrl-C stops it; the next
run resumes after the last event it forwarded (the first run starts with new events).

Options:
  --forward-to <url>    where to POST each event (required), e.g. http://localhost:3000/hooks
  --url <url>           the pollhook server (default $POLLHOOK_URL or http://127.0.0.1:8080)
  --api-key <key>       a tenant API key (default $POLLHOOK_API_KEY)
  --events <types>      only these event types, comma-separated (e.g. job.succeeded,job.failed)
  --print-json          print each event's JSON instead of the one-line summary
  --cursor-file <path>  where the resume point is kept (default ~/.pollhook/listen-<hash>.cursor)`;

export interface ListenOptions {
  url: string;
  apiKey: string;
  forwardTo: string;
  events: string[];
  printJson: boolean;
  cursorFile: string;
  out: (line: string) => void;
  signal: AbortSignal;
}

export async function listenCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...HELP_OPTION,
      'forward-to': { type: 'string' },
      url: { type: 'string' },
      'api-key': { type: 'string' },
      events: { type: 'string' },
      'print-json': { type: 'boolean' },
      'cursor-file': { type: 'string' },
    },
    strict: true,
  });
  if (printedHelp(values, HELP)) return 0;
  const forwardTo = values['forward-to'];
  if (!forwardTo) throw new UsageError('--forward-to <url> is required');
  const apiKey = values['api-key'] ?? process.env.POLLHOOK_API_KEY;
  if (!apiKey) throw new UsageError('an API key is required: --api-key or POLLHOOK_API_KEY');
  const url = (values.url ?? process.env.POLLHOOK_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  for (const [flag, value] of [['--forward-to', forwardTo], ['--url', url]] as const) {
    if (!/^https?:\/\//.test(value) || !URL.canParse(value)) throw new UsageError(`${flag} must be an http(s) URL, got "${value}"`);
  }
  const events = (values.events ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const cursorFile = values['cursor-file'] ?? defaultCursorFile(url, apiKey, forwardTo);

  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await listen({ url, apiKey, forwardTo, events, printJson: values['print-json'] ?? false, cursorFile, out: (l) => process.stdout.write(`${l}\n`), signal: abort.signal });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** One resume point per server, key and local URL; the key itself is not in the name. */
function defaultCursorFile(url: string, apiKey: string, forwardTo: string): string {
  const id = createHash('sha256').update(`${url}\n${apiKey}\n${forwardTo}`).digest('hex').slice(0, 16);
  return join(homedir(), '.pollhook', `listen-${id}.cursor`);
}

/** Follows the stream until the signal aborts (exit 0) or the server refuses the key (exit 1). */
export async function listen(o: ListenOptions): Promise<number> {
  let cursor = readCursor(o.cursorFile);
  let backoffMs = 500;
  let announced = false;
  while (!o.signal.aborted) {
    // A first run starts at the feed's head, saved before anything is forwarded, so a reconnect
    // before the first event loses nothing.
    if (cursor === null) {
      try {
        cursor = await feedHead(o);
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        o.out(`! ${o.url} refused: ${err.message}`);
        return 1;
      }
      if (cursor === null) {
        o.out(`! cannot read ${o.url}/v1/events; retrying`);
        await sleep(backoffMs, o.signal);
        backoffMs = Math.min(backoffMs * 2, 10_000);
        continue;
      }
      writeCursor(o.cursorFile, cursor);
    }
    const query = new URLSearchParams({ signed: 'true' });
    query.set('after', cursor);
    if (o.events.length) query.set('type', o.events.join(','));
    let res: Response;
    try {
      res = await fetch(`${o.url}/v1/events/stream?${query}`, { headers: { authorization: `Bearer ${o.apiKey}`, accept: 'text/event-stream' }, signal: o.signal });
    } catch (err) {
      if (o.signal.aborted) break;
      o.out(`! cannot reach ${o.url} (${describe(err)}); retrying`);
      await sleep(backoffMs, o.signal);
      backoffMs = Math.min(backoffMs * 2, 10_000);
      continue;
    }
    if (res.status === 401 || res.status === 422) {
      o.out(`! ${o.url} refused: ${await problemDetail(res)}`);
      return 1;
    }
    if (res.status !== 200 || !res.body) {
      o.out(`! ${o.url} answered ${res.status} (${await problemDetail(res)}); retrying`);
      await sleep(backoffMs, o.signal);
      backoffMs = Math.min(backoffMs * 2, 10_000);
      continue;
    }
    if (!announced) {
      o.out(`Ready. Forwarding events from ${o.url} to ${o.forwardTo} (Ctrl-C to stop)`);
      announced = true;
    }
    backoffMs = 500;
    try {
      for await (const m of readSse(res.body)) {
        if (m.kind !== 'event' || m.id === null) continue;
        await forward(o, JSON.parse(m.data));
        cursor = m.id;
        writeCursor(o.cursorFile, cursor);
      }
    } catch (err) {
      if (o.signal.aborted) break;
      o.out(`! the stream broke (${describe(err)}); resuming`);
    }
    if (!o.signal.aborted) await sleep(backoffMs, o.signal);
  }
  return 0;
}

interface StreamItem {
  id: string;
  type: string;
  jobId: string;
  webhook: { headers: Record<string, string>; body: string };
}

/** POSTs one event as pollhook would deliver it, and prints what the local receiver answered. */
async function forward(o: ListenOptions, item: StreamItem): Promise<void> {
  const started = performance.now();
  let outcome: string;
  try {
    const res = await fetch(o.forwardTo, {
      method: 'POST',
      headers: { ...item.webhook.headers, 'content-type': 'application/json', 'user-agent': 'pollhook-listen' },
      body: item.webhook.body,
      signal: AbortSignal.any([o.signal, AbortSignal.timeout(15_000)]),
    });
    await res.arrayBuffer().catch(() => undefined);
    outcome = String(res.status);
  } catch (err) {
    if (o.signal.aborted) throw err;
    outcome = `error ${describe(err)}`;
  }
  const ms = Math.round(performance.now() - started);
  if (o.printJson) {
    o.out(JSON.stringify({ ...item, webhook: undefined, forwarded: { status: outcome, latencyMs: ms } }));
  } else {
    o.out(`${new Date().toISOString()}  ${item.type.padEnd(14)} ${item.jobId}  -> ${outcome} (${ms} ms)`);
  }
}

class Refused extends Error {}

/** The feed's newest cursor; null when the server cannot be reached or fails. */
async function feedHead(o: ListenOptions): Promise<string | null> {
  let res: Response;
  try {
    res = await fetch(`${o.url}/v1/events?limit=1`, { headers: { authorization: `Bearer ${o.apiKey}` }, signal: o.signal });
  } catch {
    return null;
  }
  if (res.status === 401) throw new Refused(await problemDetail(res));
  if (res.status !== 200) return null;
  return ((await res.json()) as { pollCursor?: string }).pollCursor ?? null;
}

function readCursor(file: string): string | null {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return /^\d{1,16}$/.test(text) ? text : null;
  } catch {
    return null;
  }
}

/** Written whole and renamed, so a crash leaves the old cursor or the new one. */
function writeCursor(file: string, cursor: string): void {
  makeDirectory(dirname(file));
  writeFileSync(`${file}.tmp`, `${cursor}\n`);
  renameSync(`${file}.tmp`, file);
}

async function problemDetail(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { detail?: string };
    return body.detail ?? `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

function describe(err: unknown): string {
  const e = err as { cause?: { code?: string; message?: string }; message?: string };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
