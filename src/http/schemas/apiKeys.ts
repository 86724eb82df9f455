import { z } from '@hono/zod-openapi';
import { NO_CONTROL, NullableTimestamp, Timestamp } from './common.ts';
import { MAX_ROTATION_GRACE_SECONDS } from '../../store/queries/apiKeys.ts';
import {
  apiKeyCreateExample,
  apiKeyCreatedExample,
  apiKeyExample,
  apiKeyRotateExample,
  apiKeyRotatedExample,
  tenantExample,
} from './keyExamples.ts';

const Name = z
  .string()
  .min(1)
  .max(200)
  .regex(NO_CONTROL, 'must not contain control characters');

export const ApiKeyCreate = z.strictObject({ name: Name.openapi({ example: 'ci deploys' }) }).openapi('ApiKeyCreate', { example: apiKeyCreateExample });

export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: 'key_01JD4V7W8X9Y0Z1A2B3C4D5E6G' }),
    name: z.string(),
    prefix: z.string().openapi({ description: 'The first characters of the key, to recognize it.' }),
    createdAt: Timestamp,
    lastUsedAt: NullableTimestamp.openapi({ description: 'Updated at most once a minute.' }),
    expiresAt: NullableTimestamp.openapi({ description: 'Set on a key rotated out with a grace period; null otherwise.' }),
    current: z.boolean().openapi({ description: 'Whether this is the key that made the request.' }),
  })
  .openapi('ApiKey', { example: apiKeyExample });

export const ApiKeyCreated = ApiKeySchema.extend({
  key: z.string().openapi({ description: 'The key, shown once: only its hash is stored.', example: 'ph_...' }),
}).openapi('ApiKeyCreated', { example: apiKeyCreatedExample });

export const ApiKeyRotate = z
  .strictObject({
    gracePeriodSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_ROTATION_GRACE_SECONDS)
      .optional()
      .openapi({ description: 'How long the old key keeps working. Default 0: revoked at once.', example: 3600 }),
  })
  .openapi('ApiKeyRotate', { example: apiKeyRotateExample });

export const ApiKeyRotated = ApiKeyCreated.extend({
  previousExpiresAt: Timestamp.openapi({ description: 'When the old key stops working (now when revoked at once).' }),
}).openapi('ApiKeyRotated', { example: apiKeyRotatedExample });

/** Secret rotation takes no options; a body, when sent, must be `{}` like every body: unknown fields are refused. */
export const SigningSecretRotate = z.strictObject({}).openapi('SigningSecretRotate', { example: {} });

export const TenantSchema = z
  .object({ id: z.string().openapi({ example: 'tnt_01JD4V7W8X9Y0Z1A2B3C4D5E6F' }), name: z.string(), createdAt: Timestamp })
  .openapi('Tenant', { example: tenantExample });

const pageOf = <T extends z.ZodType>(item: T, name: string, example: unknown) =>
  z
    .object({
      data: z.array(item),
      nextCursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null at the end.' }),
    })
    .openapi(name, { example: { data: [example], nextCursor: null } });

export const ApiKeyList = pageOf(ApiKeySchema, 'ApiKeyList', apiKeyExample);
export const TenantList = pageOf(TenantSchema, 'TenantList', tenantExample);
