/**
 * `pollhook/client`: a thin typed wrapper over the HTTP API (fetch only, no dependencies).
 *
 *   const ph = createClient({ baseUrl: 'http://localhost:8080', apiKey: process.env.POLLHOOK_API_KEY! });
 *   const job = await ph.jobs.create({ provider: 'fotolabs', externalId, credentials: { apiKey }, callbackUrl });
 *   for await (const j of ph.jobs.iterate({ state: 'running' })) console.log(j.id);
 *   for await (const e of ph.events.stream({ type: 'job.succeeded', signal })) console.log(e.cursor, e.payload);
 *
 * Every non-2xx answer throws a PollhookApiError carrying the problem details (RFC 9457).
 */
import type * as T from './types.ts';
import { createTransport, paginate, type ClientOptions } from './http.ts';
import { eventsApi, streamTokensApi } from './events.ts';

export type * from './types.ts';
export { PollhookApiError, type ClientOptions } from './http.ts';

export function createClient(options: ClientOptions) {
  const transport = createTransport(options);
  const call = transport.call;
  const iterate = paginate;

  const id = (value: string) => encodeURIComponent(value);

  const jobs = {
    /** 201 for a new job; the existing job when provider + externalId is already tracked. */
    create: (body: T.JobCreateInput) => call<T.Job>('POST', '/v1/jobs', { body }),
    get: (jobId: string) => call<T.Job>('GET', `/v1/jobs/${id(jobId)}`),
    list: (params: T.JobListParams = {}) => call<T.Page<T.Job>>('GET', '/v1/jobs', { query: params }),
    iterate: (params: T.JobListParams = {}) => iterate(jobs.list, params),
    /** Stops tracking; deliveries already queued are still delivered. */
    delete: (jobId: string) => call<void>('DELETE', `/v1/jobs/${id(jobId)}`),
    /** The job's events, oldest first, with their deliveries. */
    events: (jobId: string, params: T.PageParams = {}) => call<T.Page<T.Event>>('GET', `/v1/jobs/${id(jobId)}/events`, { query: { ...params } }),
    iterateEvents: (jobId: string, params: T.PageParams = {}) => iterate((p: T.PageParams) => jobs.events(jobId, p), params),
    /** The job's polls, newest first: what each saw, its latency, and when and why the next one is. */
    polls: (jobId: string, params: T.PageParams = {}) => call<T.Page<T.JobPoll>>('GET', `/v1/jobs/${id(jobId)}/polls`, { query: { ...params } }),
    iteratePolls: (jobId: string, params: T.PageParams = {}) => iterate((p: T.PageParams) => jobs.polls(jobId, p), params),
  };

  const deliveries = {
    list: (params: T.DeliveryListParams = {}) => call<T.Page<T.Delivery>>('GET', '/v1/deliveries', { query: params }),
    iterate: (params: T.DeliveryListParams = {}) => iterate(deliveries.list, params),
    get: (deliveryId: string) => call<T.DeliveryDetail>('GET', `/v1/deliveries/${id(deliveryId)}`),
    /** Queues a dead or failed delivery again (same webhook-id). */
    retry: (deliveryId: string) => call<T.RetryResult>('POST', `/v1/deliveries/${id(deliveryId)}/retry`),
    /** Queues every dead delivery created since `since` again. */
    recover: (body: T.RecoverInput) => call<T.RecoverResult>('POST', '/v1/deliveries/recover', { body }),
  };

  const subscriptions = {
    create: (body: T.SubscriptionCreateInput) => call<T.Subscription>('POST', '/v1/subscriptions', { body }),
    get: (subscriptionId: string) => call<T.Subscription>('GET', `/v1/subscriptions/${id(subscriptionId)}`),
    list: (params: T.PageParams = {}) => call<T.Page<T.Subscription>>('GET', '/v1/subscriptions', { query: { ...params } }),
    iterate: (params: T.PageParams = {}) => iterate(subscriptions.list, params),
    update: (subscriptionId: string, body: T.SubscriptionUpdateInput) =>
      call<T.Subscription>('PATCH', `/v1/subscriptions/${id(subscriptionId)}`, { body }),
    delete: (subscriptionId: string) => call<void>('DELETE', `/v1/subscriptions/${id(subscriptionId)}`),
    /** Queues what the (enabled) subscription missed since `since`, at most 10,000 per call: call again while `more`. */
    replay: (subscriptionId: string, body: T.ReplayInput) => call<T.ReplayResult>('POST', `/v1/subscriptions/${id(subscriptionId)}/replay`, { body }),
    /** Sends it one `endpoint.test` event; the answer is that delivery, pending. */
    sendTest: (subscriptionId: string) => call<T.Delivery>('POST', `/v1/subscriptions/${id(subscriptionId)}/test`),
  };

  const connections = {
    create: (body: T.ConnectionCreateInput) => call<T.Connection>('POST', '/v1/connections', { body }),
    get: (connectionId: string) => call<T.Connection>('GET', `/v1/connections/${id(connectionId)}`),
    list: (params: T.PageParams = {}) => call<T.Page<T.Connection>>('GET', '/v1/connections', { query: { ...params } }),
    iterate: (params: T.PageParams = {}) => iterate(connections.list, params),
    /** Replaces the credentials (used from the next poll) and/or renames. */
    update: (connectionId: string, body: T.ConnectionUpdateInput) =>
      call<T.Connection>('PATCH', `/v1/connections/${id(connectionId)}`, { body }),
    delete: (connectionId: string) => call<void>('DELETE', `/v1/connections/${id(connectionId)}`),
  };

  const signingSecrets = {
    /** The secrets signing now (never their values). */
    list: () => call<T.Page<T.SigningSecret>>('GET', '/v1/signing-secrets'),
    /** Returns the new secret once; the previous one keeps signing for 24 h. */
    rotate: () => call<T.RotatedSigningSecret>('POST', '/v1/signing-secrets/rotate'),
    /** Stops a rotated-out secret from signing before its 24 h overlap ends. */
    expire: (secretId: string) => call<void>('DELETE', `/v1/signing-secrets/${id(secretId)}`),
  };

  /** The tenant's own API keys; a key is returned once, by create and rotate. */
  const apiKeys = {
    create: (body: T.ApiKeyCreateInput) => call<T.CreatedApiKey>('POST', '/v1/api-keys', { body }),
    list: (params: T.PageParams = {}) => call<T.Page<T.ApiKey>>('GET', '/v1/api-keys', { query: { ...params } }),
    iterate: (params: T.PageParams = {}) => iterate(apiKeys.list, params),
    /** The key's next request is a 401. */
    revoke: (keyId: string) => call<void>('DELETE', `/v1/api-keys/${id(keyId)}`),
    rotate: (keyId: string, body: T.ApiKeyRotateInput = {}) =>
      call<T.RotatedApiKey>('POST', `/v1/api-keys/${id(keyId)}/rotate`, { body }),
  };

  const providers = {
    list: () => call<{ data: T.Provider[] }>('GET', '/v1/providers'),
  };

  /** Admin only: create the client with the POLLHOOK_ADMIN_TOKEN as `apiKey`. */
  const tenants = {
    create: (body: T.TenantCreateInput) => call<T.CreatedTenant>('POST', '/v1/tenants', { body }),
    list: (params: T.PageParams = {}) => call<T.Page<T.Tenant>>('GET', '/v1/tenants', { query: { ...params } }),
    iterate: (params: T.PageParams = {}) => iterate(tenants.list, params),
    /** Deletes the tenant and everything it owns. Irreversible. */
    delete: (tenantId: string) => call<void>('DELETE', `/v1/tenants/${id(tenantId)}`),
    /** Issues a key for the tenant (shown once), e.g. when it lost all of them. */
    createApiKey: (tenantId: string, body: T.ApiKeyCreateInput) =>
      call<T.CreatedApiKey>('POST', `/v1/tenants/${id(tenantId)}/api-keys`, { body }),
    listApiKeys: (tenantId: string, params: T.PageParams = {}) =>
      call<T.Page<T.ApiKey>>('GET', `/v1/tenants/${id(tenantId)}/api-keys`, { query: { ...params } }),
    /** Revokes at once, even the tenant's last key. */
    revokeApiKey: (tenantId: string, keyId: string) => call<void>('DELETE', `/v1/tenants/${id(tenantId)}/api-keys/${id(keyId)}`),
  };

  const events = eventsApi(transport);
  const streamTokens = streamTokensApi(transport);

  return { jobs, events, streamTokens, deliveries, subscriptions, connections, signingSecrets, apiKeys, providers, tenants };
}

export type PollhookClient = ReturnType<typeof createClient>;
