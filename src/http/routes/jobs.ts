import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import { isWellFormedId, newId } from '../../core/ids.ts';
import type { HttpSpec } from '../../providers/types.ts';
import { deleteJob, findLiveJobByIdentity, getJob, insertJobOnce, listJobs } from '../../store/queries/jobs.ts';
import { getConnection } from '../../store/queries/connections.ts';
import { hasEnabledSubscription } from '../../store/queries/subscriptions.ts';
import { deliveriesOfEvents, eventSequence, listJobEvents } from '../../store/queries/events.ts';
import { invalid, notFound, type FieldError } from '../problem.ts';
import { presentEvent, presentJob } from '../present.ts';
import { cursorError, decodeCursor, page } from '../pagination.ts';
import { checkTargetUrl, normalizedUrl, targetUrlSyntaxError } from '../targets.ts';
import { validationHookWith } from '../validation.ts';
import { IdParam, ListQuery, authErrors, bearerSecurity, bodyErrors, conflictResponse, errorResponses, json, jsonBody, listOf } from '../schemas/common.ts';
import { differingFields, registrationConflict } from '../jobConflicts.ts';
import type { JobRow } from '../../store/rows.ts';
import { DEFAULT_TIMEOUT_SECONDS, JobListQuery, JobSchema, jobCreateSchema, type JobCreateBody } from '../schemas/jobs.ts';
import { EventSchema } from '../schemas/deliveries.ts';
import { JobPollSchema } from '../schemas/jobPolls.ts';
import { listJobPolls } from '../../store/queries/jobPolls.ts';
import { decodePollCursor, presentPollPage } from '../pollPage.ts';

const JobIdParam = IdParam('job_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A');

export function registerJobRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const { db, clock, secretBox: box } = deps;
  const providerNames = deps.providers.list().map((p) => p.name as string);
  const JobCreate = jobCreateSchema(providerNames);

  const createJob = createRoute({
    method: 'post',
    path: '/v1/jobs',
    tags: ['jobs'],
    summary: 'Register an upstream job',
    description:
      'Idempotent: the same body for the provider and externalId of a tracked job returns that job (200) unchanged; a body that differs in any other field (credentials, connectionId, callbackUrl, events, metadata, intervals, timeoutSeconds, http) is a 409 naming those fields. The first poll is immediate.',
    security: bearerSecurity,
    request: { body: jsonBody(JobCreate) },
    responses: {
      201: json(JobSchema, 'The job was registered.'),
      200: json(JobSchema, 'The job was already registered with this same body; nothing was changed.'),
      ...bodyErrors,
      ...conflictResponse,
      ...authErrors,
    },
  });
  app.openapi(createJob, async (c) => {
    const sent = c.req.valid('json');
    const body = sent.callbackUrl === undefined ? sent : { ...sent, callbackUrl: normalizedUrl(sent.callbackUrl) };
    const tenantId = c.get('tenantId');
    const existing = findLiveJobByIdentity(db, tenantId, body.provider, body.externalId);
    if (existing) return sameRegistration(existing, body);

    const errors = await checkJobReferences(deps, tenantId, sent);
    if (errors.length > 0) throw invalid(errors);

    const now = clock.now();
    const result = insertJobOnce(db, {
      id: newId('job', now),
      tenantId,
      provider: body.provider,
      externalId: body.externalId,
      connectionId: body.connectionId ?? null,
      credentialsEnc: body.credentials ? box.sealJson({ apiKey: body.credentials.apiKey }) : null,
      httpSpec: body.http ? JSON.stringify(specWithoutHeaders(body.http)) : null,
      httpHeadersEnc: body.http?.headers && Object.keys(body.http.headers).length > 0 ? box.sealJson(body.http.headers) : null,
      callbackUrl: body.callbackUrl ?? null,
      events: body.events ? JSON.stringify([...new Set(body.events)]) : null,
      metadata: body.metadata ? JSON.stringify(body.metadata) : null,
      pollIntervalMs: toMs(body.pollIntervalSeconds),
      maxPollIntervalMs: toMs(body.maxPollIntervalSeconds),
      deadlineAt: now + Math.round((body.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000),
      nextPollAt: now,
      createdAt: now,
    });
    if (result.inserted) {
      deps.hooks?.jobsChanged?.();
      c.get('logger').info({ jobId: result.job.id, provider: body.provider }, 'job registered');
      return c.json(presentJob(result.job, box), 201);
    }
    return sameRegistration(result.job, body);

    /** 200 with the tracked job for the same body (idempotent); 409 naming the fields that differ. */
    function sameRegistration(job: JobRow, sent: JobCreateBody) {
      const fields = differingFields(job, sent, box);
      if (fields.length > 0) throw registrationConflict(job, fields);
      return c.json(presentJob(job, box), 200);
    }
  }, validationHookWith('json', (b) => [
    targetUrlSyntaxError(deps, b.callbackUrl, 'callbackUrl'),
    targetUrlSyntaxError(deps, (b.http as { url?: unknown } | undefined)?.url, 'http.url'),
  ]));

  const list = createRoute({
    method: 'get',
    path: '/v1/jobs',
    tags: ['jobs'],
    summary: 'List jobs, newest first',
    security: bearerSecurity,
    request: { query: JobListQuery },
    responses: { 200: json(listOf(JobSchema, 'JobList'), 'A page of jobs.'), 422: errorResponses[422], ...authErrors },
  });
  const providerError = (provider: unknown): FieldError | null =>
    typeof provider === 'string' && !providerNames.includes(provider) ? { path: 'provider', message: `must be one of ${providerNames.join(', ')}` } : null;
  app.openapi(
    list,
    (c) => {
      const q = c.req.valid('query');
      const errors = [providerError(q.provider), cursorError(q.cursor, 'job')].filter((e): e is FieldError => e !== null);
      if (errors.length > 0) throw invalid(errors);
      const beforeId = decodeCursor(q.cursor, 'job');
      const rows = listJobs(db, c.get('tenantId'), { state: q.state, provider: q.provider, beforeId, limit: q.limit + 1 });
      return c.json(page(rows, q.limit, (r) => presentJob(r, box)), 200);
    },
    validationHookWith('query', (q) => [providerError(q.provider), cursorError(q.cursor, 'job')]),
  );

  const get = createRoute({
    method: 'get',
    path: '/v1/jobs/{id}',
    tags: ['jobs'],
    summary: 'One job',
    security: bearerSecurity,
    request: { params: JobIdParam },
    responses: { 200: json(JobSchema, 'The job.'), 404: errorResponses[404], ...authErrors },
  });
  app.openapi(get, (c) => {
    const job = findJob(c.req.valid('param').id, c.get('tenantId'));
    return c.json(presentJob(job, box), 200);
  });

  const remove = createRoute({
    method: 'delete',
    path: '/v1/jobs/{id}',
    tags: ['jobs'],
    summary: 'Stop tracking a job',
    description: 'No more polls; a poll in flight records nothing. Deliveries already queued are still delivered.',
    security: bearerSecurity,
    request: { params: JobIdParam },
    responses: { 204: { description: 'Deleted.' }, 404: errorResponses[404], ...authErrors },
  });
  app.openapi(remove, (c) => {
    const { id } = c.req.valid('param');
    if (!isWellFormedId(id, 'job') || !deleteJob(db, c.get('tenantId'), id, clock.now())) throw notFound('job');
    deps.hooks?.jobsChanged?.();
    return c.body(null, 204);
  });

  const events = createRoute({
    method: 'get',
    path: '/v1/jobs/{id}/events',
    tags: ['jobs'],
    summary: "The job's events, oldest first, with their deliveries",
    security: bearerSecurity,
    request: { params: JobIdParam, query: ListQuery },
    responses: {
      200: json(listOf(EventSchema, 'EventList'), 'A page of events.'),
      404: errorResponses[404],
      422: errorResponses[422],
      ...authErrors,
    },
  });
  app.openapi(events, (c) => {
    const tenantId = c.get('tenantId');
    const job = findJob(c.req.valid('param').id, tenantId);
    const q = c.req.valid('query');
    const afterId = decodeCursor(q.cursor, 'evt');
    let afterSequence = 0;
    if (afterId) {
      const seq = eventSequence(db, tenantId, job.id, afterId);
      if (seq == null) throw invalid([{ path: 'cursor', message: 'is not a cursor returned by this list' }]);
      afterSequence = seq;
    }
    const rows = listJobEvents(db, tenantId, job.id, afterSequence, q.limit + 1);
    const deliveries = deliveriesOfEvents(db, rows.slice(0, q.limit).map((r) => r.id));
    return c.json(page(rows, q.limit, (r) => presentEvent(r, deliveries.get(r.id) ?? [])), 200);
  });

  const polls = createRoute({
    method: 'get',
    path: '/v1/jobs/{id}/polls',
    tags: ['jobs'],
    summary: "The job's polls, newest first: what each saw, its latency, and when and why the next one is",
    security: bearerSecurity,
    request: { params: JobIdParam, query: ListQuery },
    responses: {
      200: json(listOf(JobPollSchema, 'JobPollList'), 'A page of polls.'),
      404: errorResponses[404],
      422: errorResponses[422],
      ...authErrors,
    },
  });
  app.openapi(polls, (c) => {
    const tenantId = c.get('tenantId');
    const job = findJob(c.req.valid('param').id, tenantId);
    const q = c.req.valid('query');
    const rows = listJobPolls(db, tenantId, job.id, decodePollCursor(q.cursor), q.limit + 1);
    return c.json(presentPollPage(rows, q.limit), 200);
  });

  function findJob(id: string, tenantId: string) {
    const job = isWellFormedId(id, 'job') ? getJob(db, tenantId, id) : undefined;
    if (!job) throw notFound('job');
    return job;
  }
}

/** The checks that need the database or DNS. All run, so the answer lists every problem. */
async function checkJobReferences(deps: AppDeps, tenantId: string, body: JobCreateBody): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  if (body.connectionId !== undefined) {
    const conn = isWellFormedId(body.connectionId, 'conn') ? getConnection(deps.db, tenantId, body.connectionId) : undefined;
    if (!conn) errors.push({ path: 'connectionId', message: 'no such connection' });
    else if (conn.provider !== body.provider) {
      errors.push({ path: 'connectionId', message: `is a ${conn.provider} connection, not ${body.provider}` });
    }
  }
  if (body.callbackUrl === undefined && !hasEnabledSubscription(deps.db, tenantId)) {
    errors.push({ path: 'callbackUrl', message: 'is required: the tenant has no enabled subscription' });
  }
  const urlChecks = await Promise.all([
    body.callbackUrl !== undefined ? checkTargetUrl(deps, body.callbackUrl, 'callbackUrl') : null,
    body.http ? checkTargetUrl(deps, body.http.url, 'http.url') : null,
  ]);
  for (const e of urlChecks) if (e) errors.push(e);
  return errors;
}

function specWithoutHeaders(http: NonNullable<JobCreateBody['http']>): HttpSpec {
  const { headers: _headers, ...spec } = http;
  return spec;
}

const toMs = (seconds: number | undefined): number | null => (seconds === undefined ? null : Math.round(seconds * 1000));

