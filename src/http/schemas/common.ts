import { z } from '@hono/zod-openapi';
import { PROBLEM_BASE } from '../problem.ts';
import { LIST_EXAMPLES, problemExamples } from './examples.ts';
import { isIssuedCursorForm } from '../pagination.ts';

export const Timestamp = z.string().openapi({ format: 'date-time', example: '2026-11-22T17:00:00.000Z' });
export const NullableTimestamp = Timestamp.nullable();

export const FieldErrorSchema = z
  .object({
    path: z.string().openapi({ example: 'http.statusPath' }),
    message: z.string().openapi({ example: 'must be a JSON Pointer: "" or starting with "/" (did you mean "/data/status"?)' }),
    in: z.literal('header').optional().openapi({ description: 'Present only when the field is a request header; `path` is then its name (e.g. `Last-Event-ID`).', example: 'header' }),
  })
  .openapi('FieldError');

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: `${PROBLEM_BASE}validation` }),
    title: z.string().openapi({ example: 'The request is invalid' }),
    status: z.number().int().openapi({ example: 422 }),
    detail: z.string().openapi({ example: 'callbackUrl: only https URLs are allowed' }),
    errors: z.array(FieldErrorSchema).optional(),
    requestId: z.string().optional(),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details.', example: problemExamples[422] });

const problem = (description: string, status: keyof typeof problemExamples) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema, example: problemExamples[status] } },
});

/** The problem responses a route can answer, for the OpenAPI document. */
export const errorResponses = {
  400: problem('The body is not valid JSON.', 400),
  401: problem('Missing or invalid API key.', 401),
  404: problem('No such resource (or it belongs to another tenant).', 404),
  413: problem('The body is larger than 64 KiB.', 413),
  415: problem('The body is not application/json.', 415),
  422: problem('Validation failed; `errors` lists each field.', 422),
  500: problem('Unexpected error.', 500),
} as const;

export const authErrors = { 401: errorResponses[401], 500: errorResponses[500] } as const;
export const bodyErrors = {
  400: errorResponses[400],
  413: errorResponses[413],
  415: errorResponses[415],
  422: errorResponses[422],
} as const;
export const conflictResponse = { 409: problem('The request conflicts with the current state.', 409) } as const;

export const bearerSecurity = [{ bearerAuth: [] }];

const LIMIT_RULE = 'must be a whole number from 1 to 200';

export const ListQuery = z.object({
  // Digits only: `Number()` alone would take `1e1`, `0x10` or ` 5` without a word.
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, { error: LIMIT_RULE })
    .transform(Number)
    .pipe(z.number().int().min(1, { error: LIMIT_RULE }).max(200, { error: LIMIT_RULE }))
    .default(50)
    .openapi({
      param: { name: 'limit', in: 'query' },
      type: 'integer',
      minimum: 1,
      maximum: 200,
      default: 50,
      description: 'Page size, 1-200.',
      example: 50,
    }),
  cursor: z
    .string()
    // Only the form here, so a bad cursor is reported with a bad limit; which list issued it
    // is checked by the handler.
    .refine(isIssuedCursorForm, 'is not a cursor returned by this list')
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' }, description: 'The `nextCursor` of the previous page.' }),
});

export const IdParam = (example: string) =>
  z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example }) });

export const listOf = <T extends z.ZodType>(item: T, name: string) =>
  z
    .object({
      data: z.array(item),
      nextCursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null at the end.' }),
    })
    .openapi(name, LIST_EXAMPLES[name] === undefined ? {} : { example: LIST_EXAMPLES[name] });

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** A JSON body (required), as createRoute expects it. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const EVENT_TYPE_DESCRIPTION =
  'Event types: job.pending, job.running, job.succeeded, job.failed, job.canceled, job.progress (opt-in).';

/**
 * No control characters (Unicode category Cc), written without the `u` flag: the pattern is
 * published in the OpenAPI document, and a flag has no place in a JSON Schema pattern.
 */
export const NO_CONTROL = /^[^\x00-\x1f\x7f-\x9f]*$/;
