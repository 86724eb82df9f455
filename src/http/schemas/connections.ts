import { z } from '@hono/zod-openapi';
import { BUILTIN_PROVIDERS } from '../../core/types.ts';
import { Timestamp } from './common.ts';
import { connectionCreateExample, connectionExample } from './examples.ts';
import { connectionPatchExample } from './keyExamples.ts';

export const ConnectionCreate = z
  .strictObject({
    provider: z.enum(BUILTIN_PROVIDERS).openapi({ example: 'fotolabs' }),
    name: z.string().min(1).max(200).optional().openapi({ example: 'production' }),
    credentials: z.strictObject({ apiKey: z.string().min(1).max(4096) }).openapi({ description: 'Stored encrypted, never returned.' }),
  })
  .openapi('ConnectionCreate', { example: connectionCreateExample });

export const ConnectionSchema = z
  .object({
    id: z.string().openapi({ example: 'conn_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A' }),
    provider: z.string(),
    name: z.string().nullable(),
    createdAt: Timestamp,
  })
  .openapi('Connection', { example: connectionExample });
export type ConnectionView = z.infer<typeof ConnectionSchema>;

export const ConnectionPatch = z
  .strictObject({
    name: z.string().min(1).max(200).nullable().optional().openapi({ example: 'production' }),
    credentials: z
      .strictObject({ apiKey: z.string().min(1).max(4096) })
      .optional()
      .openapi({ description: 'Replaces the stored credentials (encrypted at rest, never returned). The next poll of every job using the connection uses them.' }),
  })
  .refine((b) => b.name !== undefined || b.credentials !== undefined, { message: 'give credentials or name', path: [] })
  .openapi('ConnectionPatch', { example: connectionPatchExample });
