/**
 * The whole service (startService: real HTTP, SQLite file, both engines, real time) against the
 * in-process simulator and a local `http` upstream, with two tenants that each get connections,
 * inline credentials, http headers, subscriptions and callbacks, and webhook receivers of their
 * own. Every log line and every API response is captured, for the secrets and isolation suites.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { parseConfig } from '../../src/config.ts';
import { startService, type Service } from '../../src/runtime/node/service.ts';
import { createLogger } from '../../src/runtime/node/logger.ts';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { waitFor } from '../helpers/wait.ts';

const ADMIN_TOKEN = `admin-${randomBytes(12).toString('hex')}`;
/** Recognizable, unique secrets: any sighting in a log, a response or the file is a leak. */
const secret = (label: string) => `${label}-SECRET-${randomBytes(12).toString('hex')}`;

export interface RecordedResponse {
  method: string;
  path: string;
  status: number;
  body: string;
}

export interface TenantInFlow {
  id: string;
  apiKey: string;
  /** The first signing secret, then the rotated one (tenant A only rotates). */
  signingSecrets: string[];
  receiver: Receiver;
  jobIds: string[];
  /** B's job whose upstream key is refused; it is still tracked, so not in jobIds. */
  rejectedJobId?: string;
  subscriptionId: string;
  connectionId: string;
}

export interface Flow {
  service: Service;
  dbPath: string;
  logLines: string[];
  /** Every API response of the run but the two that show a secret once (tenant creation, rotation). */
  responses: RecordedResponse[];
  a: TenantInFlow;
  b: TenantInFlow;
  /** Every secret of the run, by what it is. */
  secrets: Record<string, string>;
  api(path: string, init?: { method?: string; key?: string; json?: unknown }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** A JSON status endpoint that only answers jobs polled with the right header. */
async function startHttpUpstream(headerValue: string): Promise<{ url: string; hits: number; close(): Promise<void> }> {
  const state = { hits: 0 };
  const server: Server = createServer((req, res) => {
    state.hits++;
    if (req.headers['x-upstream-token'] !== headerValue) return void res.writeHead(401).end('{"error":"unauthorized"}');
    // First an upstream status the job's mapping does not know (logged), then a terminal one.
    const status = state.hits === 1 ? 'warming-up' : 'done';
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { status, url: 'https://cdn.example.com/out.png' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get hits() {
      return state.hits;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function runFullFlow(): Promise<Flow> {
  const dir = mkdtempSync(join(tmpdir(), 'pollhook-reliability-'));
  const dbPath = join(dir, 'pollhook.db');
  const secrets: Record<string, string> = {
    adminToken: ADMIN_TOKEN,
    masterKey: randomBytes(32).toString('base64'),
    connectionKeyA: secret('conn-a'),
    inlineKeyA: secret('inline-a'),
    httpHeaderA: secret('header-a'),
    connectionKeyB: secret('conn-b'),
    inlineKeyB: secret('inline-b'),
    rejectedKeyB: secret('rejected-b'),
  };

  const sim: Simulator = await startSimulator({ stepMs: 30 });
  sim.createJob({ provider: 'fotolabs', scenario: 'success', id: 'a-conn-job', apiKey: secrets.connectionKeyA! });
  sim.createJob({ provider: 'topaz', scenario: 'success', id: 'a-inline-job', apiKey: secrets.inlineKeyA! });
  sim.createJob({ provider: 'fotolabs', scenario: 'failure', id: 'b-conn-job', apiKey: secrets.connectionKeyB! });
  sim.createJob({ provider: 'pictory', scenario: 'success', id: 'b-inline-job', apiKey: secrets.inlineKeyB! });
  // Exists with the simulator's own key, so B's key for it is refused.
  sim.createJob({ provider: 'magichour', scenario: 'success', id: 'b-rejected-job' });
  const upstream = await startHttpUpstream(secrets.httpHeaderA!);

  const logLines: string[] = [];
  const announced: string[] = [];
  const service = await startService({
    config: {
      ...parseConfig({}),
      port: 0,
      host: '127.0.0.1',
      dbPath,
      adminToken: ADMIN_TOKEN,
      masterKey: secrets.masterKey!,
      allowPrivateNetworks: true,
      allowHttp: true,
      providerBaseUrls: sim.baseUrls,
      retryScheduleMs: [100, 100, 100],
      deliveryTimeoutMs: 2_000,
      logLevel: 'debug',
    },
    logger: createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } }),
    announce: (text) => void announced.push(text),
    shutdownGraceMs: 1_000,
  });
  // The first start on an empty database prints the default tenant's credentials once.
  secrets.defaultApiKey = /API key:\s+(ph_\S+)/.exec(announced.join('\n'))?.[1] ?? '';
  secrets.defaultSigningSecret = /signing secret:\s+(whsec_\S+)/.exec(announced.join('\n'))?.[1] ?? '';

  const responses: RecordedResponse[] = [];
  const api: Flow['api'] = async (path, init = {}) => {
    const method = init.method ?? 'GET';
    const headers: Record<string, string> = {};
    if (init.key) headers.authorization = `Bearer ${init.key}`;
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(service.url + path, { method, headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
    const text = await res.text();
    const showsSecretOnce = path === '/v1/tenants' || path === '/v1/signing-secrets/rotate';
    if (!showsSecretOnce) responses.push({ method, path, status: res.status, body: text });
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // metrics and other text answers stay text
    }
    return { status: res.status, body: parsed };
  };
  const created = async (path: string, key: string, json: unknown) => {
    const res = await api(path, { method: 'POST', key, json });
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const makeTenant = async (name: string, connectionKey: string, failFirst: number): Promise<TenantInFlow> => {
    const t = await created('/v1/tenants', ADMIN_TOKEN, { name });
    const signingSecrets = [t.signingSecret as string];
    // A receiver that fails its first requests, so the retry path (and its logging) runs too.
    const receiver = await startReceiver({ secrets: () => signingSecrets, respond: (_hook, nth) => (nth < failFirst ? 500 : 204) });
    const subscription = await created('/v1/subscriptions', t.apiKey, { url: `${receiver.url}?via=subscription` });
    const connection = await created('/v1/connections', t.apiKey, { provider: 'fotolabs', name: `${name}-conn`, credentials: { apiKey: connectionKey } });
    return { id: t.id, apiKey: t.apiKey, signingSecrets, receiver, jobIds: [], subscriptionId: subscription.id, connectionId: connection.id };
  };
  const a = await makeTenant('tenant-a', secrets.connectionKeyA!, 0);
  const b = await makeTenant('tenant-b', secrets.connectionKeyB!, 2);
  secrets.apiKeyA = a.apiKey;
  secrets.apiKeyB = b.apiKey;
  secrets.signingSecretA = a.signingSecrets[0]!;
  secrets.signingSecretB = b.signingSecrets[0]!;

  // Rotate before any event exists, so every webhook of A carries both signatures.
  const rotated = await api('/v1/signing-secrets/rotate', { method: 'POST', key: a.apiKey });
  a.signingSecrets.push(rotated.body.secret);
  secrets.rotatedSigningSecretA = rotated.body.secret;

  const fast = { pollIntervalSeconds: 0.25, maxPollIntervalSeconds: 0.5 };
  const addJob = async (t: TenantInFlow, json: Record<string, unknown>) => {
    const job = await created('/v1/jobs', t.apiKey, { callbackUrl: `${t.receiver.url}?via=callback`, ...fast, ...json });
    t.jobIds.push(job.id);
  };
  await addJob(a, { provider: 'fotolabs', externalId: 'a-conn-job', connectionId: a.connectionId });
  await addJob(a, { provider: 'topaz', externalId: 'a-inline-job', credentials: { apiKey: secrets.inlineKeyA } });
  await addJob(a, {
    provider: 'http',
    externalId: 'a-http-job',
    http: {
      url: `${upstream.url}/jobs/{externalId}`,
      headers: { 'x-upstream-token': secrets.httpHeaderA },
      statusPath: '/data/status',
      states: { succeeded: ['done'] },
      resultUrlPaths: ['/data/url'],
    },
  });
  await addJob(b, { provider: 'fotolabs', externalId: 'b-conn-job', connectionId: b.connectionId });
  await addJob(b, { provider: 'pictory', externalId: 'b-inline-job', credentials: { apiKey: secrets.inlineKeyB } });
  // A key the upstream rejects: polled and refused (the job ends only after a later recheck).
  const rejected = await created('/v1/jobs', b.apiKey, {
    provider: 'magichour',
    externalId: 'b-rejected-job',
    credentials: { apiKey: secrets.rejectedKeyB },
    callbackUrl: `${b.receiver.url}?via=callback`,
    ...fast,
  });

  await waitFor(async () => (await api(`/v1/jobs/${rejected.id}`, { key: b.apiKey })).body.polls.failures > 0, {
    message: 'the rejected key to be refused by the upstream',
  });
  b.rejectedJobId = rejected.id;

  // Everything else terminal, and every delivery of both tenants delivered.
  for (const t of [a, b]) {
    await waitFor(
      async () => {
        for (const id of t.jobIds) {
          const job = await api(`/v1/jobs/${id}`, { key: t.apiKey });
          if (!['succeeded', 'failed', 'canceled'].includes(job.body.state)) return false;
        }
        const open = await api('/v1/deliveries?status=pending', { key: t.apiKey });
        const failed = await api('/v1/deliveries?status=failed', { key: t.apiKey });
        return open.body.data.length === 0 && failed.body.data.length === 0;
      },
      { timeoutMs: 20_000, intervalMs: 50, message: 'every job terminal and every delivery delivered' },
    );
  }

  return {
    service,
    dbPath,
    logLines,
    responses,
    a,
    b,
    secrets,
    api,
    async close() {
      await service.close();
      await Promise.all([a.receiver.close(), b.receiver.close(), sim.close(), upstream.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
