/**
 * `pollhook simulate`: one loopback HTTP server playing all five upstreams under path prefixes
 * (`/fotolabs`, `/pictory`, `/topaz`, `/magichour`, `/aigenstudio`), plus a control API under
 * `/_sim` for tests and users. See docs/providers.md.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { BUILTIN_PROVIDERS, type BuiltinProvider } from '../core/types.ts';
import { UPSTREAMS, topazStatusBody, type JsonAnswer, type RenderContext, type UpstreamSim } from './upstreams.ts';
import { isScenario, scenarioFromId, ScenarioError, SCENARIOS, type Expected, type Scenario } from './scenarios.ts';
import { createSimJob, currentPhase, expectedEndAt, markServed, type SimJob } from './jobs.ts';

export interface SimulatorOptions {
  host?: string;
  port?: number;
  /** One virtual step of a script (default 1000 ms). */
  stepMs?: number;
  now?: () => number;
  /** Request log entries kept (oldest dropped first). */
  maxLoggedRequests?: number;
}

export interface SimRequest {
  provider: BuiltinProvider | null;
  /** The job id the request was about, when it named one. */
  id: string | null;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  time: number;
}

export interface CreateSimJobInput {
  provider: string;
  scenario: string;
  id?: string;
  apiKey?: string;
  stepMs?: number;
}

export interface SimJobInfo {
  id: string;
  provider: BuiltinProvider;
  apiKey: string;
  scenario: Scenario;
  expected: Expected;
}

export interface Simulator {
  url: string;
  baseUrls: Record<BuiltinProvider, string>;
  /** A copy of the request log, oldest first. */
  readonly requests: SimRequest[];
  createJob(input: CreateSimJobInput): SimJobInfo;
  clearRequests(): void;
  close(): Promise<void>;
}

export class SimInputError extends Error {
  override name = 'SimInputError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const now = options.now ?? Date.now;
  const defaultStepMs = options.stepMs ?? 1000;
  const maxLogged = options.maxLoggedRequests ?? 10_000;
  const jobs = new Map<string, SimJob>();
  let log: SimRequest[] = [];
  const key = (provider: string, id: string) => `${provider}\u0000${id}`;

  const createJob = (input: CreateSimJobInput): SimJobInfo => {
    if (!(BUILTIN_PROVIDERS as readonly string[]).includes(input.provider)) {
      throw new SimInputError(400, `unknown provider ${input.provider}; one of ${BUILTIN_PROVIDERS.join(', ')}`);
    }
    const provider = input.provider as BuiltinProvider;
    if (!isScenario(input.scenario)) throw new SimInputError(400, `unknown scenario ${input.scenario}; one of ${SCENARIOS.join(', ')}`);
    const stepMs = input.stepMs ?? defaultStepMs;
    if (!Number.isFinite(stepMs) || stepMs <= 0) throw new SimInputError(400, 'stepMs must be a positive number');
    const upstream = UPSTREAMS[provider];
    const id = input.id ?? upstream.newId();
    if (jobs.has(key(provider, id))) throw new SimInputError(409, `job ${id} already exists for ${provider}`);
    let job: SimJob;
    try {
      job = createSimJob({ provider, id, apiKey: input.apiKey ?? upstream.defaultApiKey, scenario: input.scenario, stepMs, now: now() });
    } catch (err) {
      if (err instanceof ScenarioError) throw new SimInputError(400, err.message);
      throw err;
    }
    jobs.set(key(provider, id), job);
    return { id, provider, apiKey: job.apiKey, scenario: job.scenario, expected: job.script.expected };
  };

  /** A registered job, or one whose id names its scenario (registered on first sight). */
  const findJob = (upstream: UpstreamSim, id: string): SimJob | null => {
    const found = jobs.get(key(upstream.name, id));
    if (found) return found;
    const scenario = scenarioFromId(id);
    if (!scenario) return null;
    try {
      return jobs.get(key(upstream.name, createJob({ provider: upstream.name, scenario, id }).id)) ?? null;
    } catch {
      return null; // a scenario this provider cannot play: the job does not exist
    }
  };

  const keyIsKnown = (upstream: UpstreamSim, apiKey: string | null): boolean => {
    if (!apiKey) return false;
    if (apiKey === upstream.defaultApiKey) return true;
    for (const j of jobs.values()) if (j.provider === upstream.name && j.apiKey === apiKey) return true;
    return false;
  };

  const renderContext = (job: SimJob, requestId: string | null): RenderContext => {
    const phase = currentPhase(job, now());
    markServed(job, now());
    return { id: job.id, createdAt: job.createdAt, phase, phaseStartedAt: job.phaseStartedAt, expectedEndAt: expectedEndAt(job), requestId };
  };

  const answerStatus = (upstream: UpstreamSim, id: string, headers: Record<string, string>, res: ServerResponse) => {
    const requestId = headers['x-request-id'] ?? null;
    const apiKey = upstream.apiKeyOf(headers);
    const job = findJob(upstream, id);
    // Error answers never get a 304 (pictory's not-found is a 200): only statuses are cacheable.
    if (job ? apiKey !== job.apiKey : !keyIsKnown(upstream, apiKey)) return sendJson(res, upstream.error('unauthorized', requestId, id));
    if (!job) return sendJson(res, upstream.error('not_found', requestId, id));
    const { forever, fault } = job.script;
    if (forever) return sendJson(res, upstream.error(forever, requestId, id));
    if (fault && job.faultsServed < fault.polls) {
      job.faultsServed++;
      if (fault.kind === 'rate_limited') return sendJson(res, upstream.error('rate_limited', requestId, id), {}, { 'retry-after': '1' });
      if (fault.kind === 'server_error') return sendJson(res, upstream.error('server_error', requestId, id));
      return sendMalformed(res, job.faultsServed);
    }
    // A poller that gave up (timed out, crashed) before we answered never saw this status:
    // counting it as served would end the phase unseen and break `expected`.
    if (res.destroyed || res.socket?.destroyed) return;
    return sendJson(res, upstream.render(renderContext(job, requestId)), headers);
  };

  const answerTopazList = (url: URL, headers: Record<string, string>, res: ServerResponse) => {
    const upstream = UPSTREAMS.topaz;
    const apiKey = upstream.apiKeyOf(headers);
    if (!keyIsKnown(upstream, apiKey)) return sendJson(res, upstream.error('unauthorized', null));
    const visible = [...jobs.values()]
      .filter((j) => j.provider === 'topaz' && j.apiKey === apiKey && j.script.forever === null)
      .sort((a, b) => a.createdAt - b.createdAt); // stable: ties stay in creation order
    if (url.searchParams.get('paginated') !== 'true') {
      return sendJson(res, { status: 200, json: visible.map((j) => topazStatusBody(renderContext(j, null))) }, headers);
    }
    const limit = Number(url.searchParams.get('limit') ?? '50');
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      return sendJson(res, { status: 400, json: { code: 400, message: 'limit must be an integer between 1 and 100' } }, headers);
    }
    const cursor = url.searchParams.get('cursor');
    const offset = cursor ? Number(Buffer.from(cursor, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(offset) || offset < 0) return sendJson(res, { status: 400, json: { code: 400, message: 'invalid cursor' } }, headers);
    const page = visible.slice(offset, offset + limit);
    const hasNext = offset + limit < visible.length;
    const pagination = hasNext
      ? { next_cursor: Buffer.from(String(offset + limit)).toString('base64url'), has_next_page: true }
      : { has_next_page: false };
    return sendJson(res, { status: 200, json: { data: page.map((j) => topazStatusBody(renderContext(j, null))), pagination } }, headers);
  };

  const handleControl = async (req: IncomingMessage, url: URL, res: ServerResponse) => {
    const path = url.pathname;
    if (path === '/_sim/jobs' && req.method === 'POST') {
      const input = JSON.parse((await readBody(req)) || '{}') as CreateSimJobInput;
      return sendJson(res, { status: 201, json: createJob(input) }, {});
    }
    if (path === '/_sim/requests' && req.method === 'GET') {
      const provider = url.searchParams.get('provider');
      const id = url.searchParams.get('id');
      const list = log.filter((r) => (!provider || r.provider === provider) && (!id || r.id === id));
      return sendJson(res, { status: 200, json: { data: list } }, {});
    }
    if (path === '/_sim/requests' && req.method === 'DELETE') {
      log = [];
      res.writeHead(204).end();
      return;
    }
    if (path === '/_sim/scenarios' && req.method === 'GET') {
      return sendJson(res, { status: 200, json: { scenarios: SCENARIOS, providers: BUILTIN_PROVIDERS } }, {});
    }
    return sendJson(res, { status: 404, json: { error: `no simulator route ${req.method} ${path}` } }, {});
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://sim.local');
    const headers = flatHeaders(req);
    if (url.pathname.startsWith('/_sim/')) return handleControl(req, url, res);
    const [, first = '', ...rest] = url.pathname.split('/');
    const upstream = (BUILTIN_PROVIDERS as readonly string[]).includes(first) ? UPSTREAMS[first as BuiltinProvider] : null;
    const subPath = `/${rest.join('/')}`;
    const id = upstream?.matchStatus(subPath) ?? null;
    log.push({
      provider: upstream?.name ?? null,
      id,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      time: now(),
    });
    if (log.length > maxLogged) log = log.slice(log.length - maxLogged);
    if (!upstream) return sendJson(res, { status: 404, json: { error: `unknown upstream /${first}` } }, {});
    if (req.method !== 'GET') return sendJson(res, { status: 405, json: { message: 'Method Not Allowed' } }, {});
    if (upstream.name === 'topaz' && subPath === '/status') return answerTopazList(url, headers, res);
    if (id == null) return sendJson(res, upstream.error('not_found', headers['x-request-id'] ?? null));
    return answerStatus(upstream, id, headers, res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof SimInputError ? err.status : err instanceof SyntaxError ? 400 : 500;
      if (!res.headersSent) sendJson(res, { status, json: { error: (err as Error).message } }, {});
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const baseUrls = Object.fromEntries(BUILTIN_PROVIDERS.map((p) => [p, `${url}/${p}`])) as Record<BuiltinProvider, string>;

  return {
    url,
    baseUrls,
    get requests() {
      return [...log];
    },
    createJob,
    clearRequests: () => {
      log = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** JSON with an ETag of its body; a matching If-None-Match on a 200 gets a bodiless 304. */
function sendJson(res: ServerResponse, answer: JsonAnswer, reqHeaders: Record<string, string> = {}, extra: Record<string, string> = {}): void {
  const body = JSON.stringify(answer.json);
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
  const ifNoneMatch = reqHeaders['if-none-match'];
  if (answer.status === 200 && ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
    res.writeHead(304, { etag, ...extra }).end();
    return;
  }
  res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), etag, ...extra }).end(body);
}

/** The bodies a misbehaving upstream or proxy sends: HTML, cut-off JSON, the wrong shape. */
function sendMalformed(res: ServerResponse, nth: number): void {
  const bodies: Array<[string, string]> = [
    ['text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    ['application/json', '{"status": "proc'],
    ['application/json', '{"unexpected": true}'],
  ];
  const [type, body] = bodies[(nth - 1) % bodies.length]!;
  res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new SimInputError(413, 'body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
