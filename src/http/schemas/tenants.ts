import { z } from '@hono/zod-openapi';
import { Timestamp, NullableTimestamp } from './common.ts';
import { providerExample, signingSecretExample, signingSecretRotatedExample, tenantCreatedExample } from './examples.ts';

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
