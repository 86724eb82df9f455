import type { Database } from '../store/port.ts';
import type { Clock } from '../core/clock.ts';
import type { SecretBox } from '../security/secretBox.ts';
import type { Config } from '../config.ts';
import type { Resolver } from '../security/ssrf.ts';
import type { Logger } from '../core/logger.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { DocsAssets } from './docs.ts';
import type { StreamHub } from './streamHub.ts';

export interface AppDeps {
  db: Database;
  clock: Clock;
  secretBox: SecretBox;
  config: Config;
  /** Only `list()` is used: provider names for validation, and GET /v1/providers. */
  providers: ProviderRegistry;
  /** DNS for the SSRF guard at registration. */
  resolver: Resolver;
  logger: Logger;
  version: string;
  /** Wake the engines after commits. */
  hooks?: { jobsChanged?(): void; deliveriesQueued?(): void };
  /** GET /readyz: 200 or 503. Without it, readiness is "the database answers". */
  readiness?: () => { ok: boolean; checks: Record<string, unknown> };
  /** GET /v1/events/stream; without it (a runtime that cannot hold streams) the route answers 501. */
  streams?: StreamHub;
  /** Signs stream items for `pollhook listen` with the tenant's active secrets (the `webhook-signature` value). */
  signer?: { sign(tenantId: string, msgId: string, timestampSeconds: number, body: string): string };
  /** GET /metrics; a 404 problem when absent. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** Swagger UI's files for GET /docs; without them the page links to /openapi.json only. */
  docsAssets?: DocsAssets;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    /** Set by the tenant auth middleware on every /v1 route but the admin ones (/v1/tenants...). */
    tenantId: string;
    /** The API key of this request (tenant routes). */
    apiKeyId: string;
  };
}
