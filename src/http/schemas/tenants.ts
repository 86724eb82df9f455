import { z } from '@hono/zod-openapi';
import { Timestamp, NullableTimestamp } from './common.ts';
import { providerExample, signingSecretExample, signingSecretRotatedExample, tenantCreatedExample } from './examples.ts';

/** The most shards one tenant may be split across (`POST /v1/tenants?shards=N`, Workers runtime). */
export const MAX_TENANT_SHARDS = 16;
const SHARDS_RULE = `must be a whole number from 1 to ${MAX_TENANT_SHARDS}`;

/**
 * What is wrong with the `shards` values of a request (all of them, as URLSearchParams.getAll
 * gives them), or null. Shared by the app and the Workers entry, which reads it before any shard
 * exists: `Number()` alone would take `" 4"`, `"4.0"`, `"0x4"` or `"1e1"`.
 */
export function shardsError(values: readonly string[]): string | null {
  if (values.length > 1) return 'is given more than once; give it once';
  const value = values[0];
  if (value === undefined) return null;
  return /^[1-9][0-9]{0,2}$/.test(value) && Number(value) <= MAX_TENANT_SHARDS ? null : SHARDS_RULE;
}

export const TenantCreateQuery = z.object({
  shards: z
    .string()
    .refine((v) => shardsError([v]) === null, SHARDS_RULE)
    .optional()
    .openapi({
      param: { name: 'shards', in: 'query' },
      description: `Workers runtime: split the tenant's jobs across this many shards (1-${MAX_TENANT_SHARDS}, default 1). The Node runtime has one database and checks the value the same way.`,
      example: '4',
    }),
});

export const TenantCreate = z.strictObject({ name: z.string().min(1).max(200).openapi({ example: 'acme' }) }).openapi('TenantCreate');

export const TenantCreated = z
  .object({
    id: z.string(),
    name: z.string(),
    apiKey: z.string().openapi({ description: 'Shown once; only its hash is stored.', example: 'ph_...' }),
    signingSecret: z.string().openapi({ description: 'Shown once.', example: 'whsec_...' }),
  })
  .openapi('TenantCreated', { example: tenantCreatedExample });

export const SigningSecretSchema = z
  .object({
    id: z.string(),
    createdAt: Timestamp,
    expiresAt: NullableTimestamp.openapi({ description: 'null for the current secret.' }),
    current: z.boolean(),
  })
  .openapi('SigningSecret', { example: signingSecretExample });

export const SigningSecretList = z.object({ data: z.array(SigningSecretSchema), nextCursor: z.null() }).openapi('SigningSecretList', { example: { data: [signingSecretExample], nextCursor: null } });

export const SigningSecretRotated = SigningSecretSchema.extend({
  secret: z.string().openapi({ description: 'The new secret, shown once.', example: 'whsec_...' }),
  previousExpiresAt: Timestamp.openapi({ description: 'Until when the previous secret keeps signing.' }),
}).openapi('SigningSecretRotated', { example: signingSecretRotatedExample });

export const ProviderSchema = z
  .object({
    name: z.string(),
    defaultBaseUrl: z.string().nullable(),
    states: z.record(z.string(), z.array(z.string())),
    defaults: z.object({
      pollIntervalSeconds: z.number(),
      maxPollIntervalSeconds: z.number(),
      typicalDurationSeconds: z.object({ min: z.number(), max: z.number() }).nullable(),
    }),
  })
  .openapi('Provider', { example: providerExample });
export const ProviderList = z.object({ data: z.array(ProviderSchema) }).openapi('ProviderList', { example: { data: [providerExample] } });
