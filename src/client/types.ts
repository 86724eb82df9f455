/**
 * The API's JSON shapes, inferred from the zod schemas that validate and document the routes,
 * so the client cannot drift from the server. Type-only imports: the client loads no zod.
 */
import type { z } from '@hono/zod-openapi';
import type { JobListQuery, JobSchema, jobCreateSchema } from '../http/schemas/jobs.ts';
import type {
  DeliveryDetailSchema,
  DeliveryListQuery,
  DeliverySchema,
  EventSchema,
  RecoverAccepted,
  RecoverBody,
  RetryAccepted,
} from '../http/schemas/deliveries.ts';
import type { SubscriptionCreate, SubscriptionPatch, SubscriptionSchema } from '../http/schemas/subscriptions.ts';
import type { ConnectionCreate, ConnectionPatch, ConnectionSchema } from '../http/schemas/connections.ts';
import type { ApiKeyCreate, ApiKeyCreated, ApiKeyRotate, ApiKeyRotated, ApiKeySchema, TenantSchema } from '../http/schemas/apiKeys.ts';
import type {
  ProviderSchema,
  SigningSecretRotated,
  SigningSecretSchema,
  TenantCreate,
  TenantCreated,
} from '../http/schemas/tenants.ts';
import type { FieldErrorSchema, ProblemSchema } from '../http/schemas/common.ts';

export type Job = z.output<typeof JobSchema>;
export type JobCreateInput = z.input<ReturnType<typeof jobCreateSchema>>;
export type JobListParams = Partial<z.output<typeof JobListQuery>>;

export type Event = z.output<typeof EventSchema>;
export type Delivery = z.output<typeof DeliverySchema>;
export type DeliveryDetail = z.output<typeof DeliveryDetailSchema>;
export type DeliveryListParams = Partial<z.output<typeof DeliveryListQuery>>;
export type RetryResult = z.output<typeof RetryAccepted>;
export type RecoverInput = z.input<typeof RecoverBody>;
export type RecoverResult = z.output<typeof RecoverAccepted>;

export type Subscription = z.output<typeof SubscriptionSchema>;
export type SubscriptionCreateInput = z.input<typeof SubscriptionCreate>;
export type SubscriptionUpdateInput = z.input<typeof SubscriptionPatch>;

export type Connection = z.output<typeof ConnectionSchema>;
export type ConnectionCreateInput = z.input<typeof ConnectionCreate>;
export type ConnectionUpdateInput = z.input<typeof ConnectionPatch>;

export type ApiKey = z.output<typeof ApiKeySchema>;
export type ApiKeyCreateInput = z.input<typeof ApiKeyCreate>;
export type CreatedApiKey = z.output<typeof ApiKeyCreated>;
export type ApiKeyRotateInput = z.input<typeof ApiKeyRotate>;
export type RotatedApiKey = z.output<typeof ApiKeyRotated>;
export type Tenant = z.output<typeof TenantSchema>;

export type SigningSecret = z.output<typeof SigningSecretSchema>;
export type RotatedSigningSecret = z.output<typeof SigningSecretRotated>;
export type Provider = z.output<typeof ProviderSchema>;
export type TenantCreateInput = z.input<typeof TenantCreate>;
export type CreatedTenant = z.output<typeof TenantCreated>;

export type Problem = z.output<typeof ProblemSchema>;
export type FieldError = z.output<typeof FieldErrorSchema>;

export interface Page<T> {
  data: T[];
  /** Pass as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

/** Paging parameters every list takes. */
export interface PageParams {
  limit?: number;
  cursor?: string;
}
