import { z } from '@hono/zod-openapi';

export const JobPollSchema = z
  .object({
    polledAt: z.string().openapi({ description: 'When the poll was made; for a run of unchanged polls, when its first poll was.', example: '2026-01-15T10:00:05.000Z' }),
    outcome: z.string().openapi({
      description:
        "'changed' (the upstream said something new), 'unchanged', or the failure kind (transient, rate_limited, not_found, unauthorized, malformed, payment_required). Unchanged polls in a row are one entry, a run (see `polls`); a poll that saw a change or failed is always an entry of its own.",
      example: 'changed',
    }),
    polls: z.number().int().min(1).openapi({
      description: 'How many polls the entry stands for: 1, or for a run of unchanged polls its length. The newest entry may be a run still growing.',
      example: 1,
    }),
    lastPolledAt: z.string().openapi({ description: "The entry's last poll: polledAt for a single poll, the run's last poll for a run.", example: '2026-01-15T10:00:05.000Z' }),
    upstreamStatus: z.string().nullable().openapi({ description: "The upstream's status after this poll; null for a failed poll.", example: 'processing' }),
    httpStatus: z.number().int().nullable().openapi({ description: "The HTTP status of the answer (a run's last one); null when there was none (timeout, network) or one list page answered for many jobs.", example: 200 }),
    latencyMs: z.number().int().nullable().openapi({ description: "The poll's latency (a run's last poll's).", example: 84 }),
    nextPollAt: z.string().nullable().openapi({ description: 'When the next poll was scheduled (after a run, by its last poll); null once the job ended.', example: '2026-01-15T10:00:15.000Z' }),
    reason: z.string().nullable().openapi({
      description:
        "Why the next poll is when it is (after a run, as its last poll decided): 'floor' (just changed, or the first poll), 'grown' (the interval grew while nothing changed), 'eta' / 'eta_passed' (the upstream's estimate), 'distribution' (learned job durations, or the provider's typical one), 'backoff', 'retry_after', 'not_found_recheck', 'auth_recheck', 'deadline', 'finished'.",
      example: 'floor',
    }),
    error: z.string().nullable().openapi({ description: "A failed poll's message (shortened).", example: null }),
  })
  .openapi('JobPoll');
