/**
 * A write the storage cannot make right now (full disk, locked or read-only database, I/O
 * error, a Durable Object over its storage limit) is a 503 `unavailable` problem with a
 * Retry-After, never a 500: the client retries, nothing was stored. Runtime-neutral: any store
 * driver whose errors storageErrors.ts classifies gets this answer.
 */
import { classifyStorageError, describeStorageFailure, retryAfterSeconds } from '../store/storageErrors.ts';
import { ProblemError } from './problem.ts';

export function storageProblem(err: unknown): ProblemError | null {
  const kind = classifyStorageError(err);
  if (!kind) return null;
  return new ProblemError('unavailable', describeStorageFailure(kind), undefined, { 'Retry-After': String(retryAfterSeconds(kind)) });
}
