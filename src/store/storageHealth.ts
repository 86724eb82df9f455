/**
 * Whether the database can be written right now, as the store driver sees it: every storage
 * failure it meets is reported here (classified once, see storageErrors.ts), and so is every
 * committed write that changed something. Runtime-neutral, so the Node driver and a Workers
 * driver share it. It feeds readiness, the engines' backoff (retryDelayMs) and, through
 * `onFailure`, a metric; its log lines are deduplicated with a count.
 */
import { Backoff, STORAGE_BACKOFF, type BackoffOptions } from '../core/backoff.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Random } from '../core/random.ts';
import { RepeatedLog } from '../core/repeatedLog.ts';
import { classifyStorageError, describeStorageFailure, type StorageFailureKind } from './storageErrors.ts';

/** What a driver tells the health about: `operation` is 'write', 'read' or 'checkpoint'. */
export interface StorageObserver {
  failed(err: unknown, operation: string): StorageFailureKind | null;
  wrote(): void;
  /** False while writes must not even be tried (the driver refuses them at once). */
  admitsWrites?(): boolean;
}

/** While the disk is full, engine steps run at most this often (they only find writes refused). */
const WHILE_FULL_STEP_MS = 500;

export interface StorageStatus {
  writable: boolean;
  kind: StorageFailureKind | null;
  reason: string | null;
  /** Epoch ms of the first failure of the current outage. */
  since: number | null;
  /** Failures in the current outage. */
  failures: number;
  lastError: string | null;
}

export interface StorageHealthOptions {
  logger: Logger;
  clock: Clock;
  random: Random;
  backoff?: BackoffOptions;
  /** Every classified failure (a metric). */
  onFailure?: (kind: StorageFailureKind, operation: string) => void;
  /** The outage began (kind) or ended (null) (a gauge). */
  onChange?: (kind: StorageFailureKind | null) => void;
}

export class StorageHealth implements StorageObserver {
  private kind: StorageFailureKind | null = null;
  private since: number | null = null;
  private failures = 0;
  private lastError: string | null = null;
  private retryAt = 0;
  private probing = false;
  private readonly backoff: Backoff;
  private readonly log: RepeatedLog;

  constructor(private readonly options: StorageHealthOptions) {
    this.backoff = new Backoff(options.random, options.backoff ?? STORAGE_BACKOFF);
    this.log = new RepeatedLog(options.logger, options.clock);
  }

  failed(err: unknown, operation: string): StorageFailureKind | null {
    const kind = classifyStorageError(err);
    if (!kind) return null;
    const now = this.options.clock.now();
    const message = err instanceof Error ? err.message : String(err);
    const code = (err as { code?: unknown }).code ?? ((err as { cause?: { code?: unknown } }).cause?.code) ?? null;
    this.options.onFailure?.(kind, operation);
    const level = kind === 'busy' ? 'warn' : 'error';
    const line = `storage ${operation} failed (${kind}): ${message}`;
    // A checkpoint that cannot copy the WAL back (the file cannot grow) does not stop writes to
    // the WAL: it is counted and logged, and writability is left to the writes themselves.
    if (operation === 'checkpoint') {
      this.log.report(level, `${kind}:${operation}:${message}`, { kind, operation, code, error: message }, line);
      return kind;
    }
    const changed = this.kind !== kind;
    this.kind = kind;
    this.since ??= now;
    this.failures++;
    this.lastError = message;
    this.retryAt = now + this.backoff.next();
    if (changed) this.options.onChange?.(kind);
    this.log.report(level, `${kind}:${operation}:${message}`, { kind, operation, code, error: message }, line);
    return kind;
  }

  wrote(): void {
    if (this.kind === null) return;
    const now = this.options.clock.now();
    this.log.settle();
    this.options.logger.info(
      { kind: this.kind, failures: this.failures, outageMs: now - (this.since ?? now) },
      'storage is writable again; the engines resume',
    );
    this.kind = null;
    this.since = null;
    this.failures = 0;
    this.lastError = null;
    this.retryAt = 0;
    this.backoff.reset();
    this.options.onChange?.(null);
  }

  /**
   * While the disk is full, only the recovery probe writes. Every other write would append to
   * the WAL: space freed by the operator would go to a WAL that cannot be checkpointed back
   * (the database file cannot grow), and the service would wedge for good. The probe first
   * empties the WAL into the database file, then writes; its success opens writes again.
   */
  admitsWrites(): boolean {
    return this.kind !== 'full' || this.probing;
  }

  /** Runs the recovery probe, the one writer admitted while the disk is full. */
  probe<T>(fn: () => T): T {
    this.probing = true;
    try {
      return fn();
    } finally {
      this.probing = false;
    }
  }

  /**
   * Milliseconds an engine should wait before its next step: 0 while writable; the backoff after
   * a failure; and while the disk is full at least WHILE_FULL_STEP_MS, since refused writes do
   * not advance the backoff (only the probe's failures do) and a step must not spin on them.
   */
  retryDelayMs(): number {
    if (this.kind === null) return 0;
    const left = Math.max(0, this.retryAt - this.options.clock.now());
    return this.kind === 'full' ? Math.max(left, WHILE_FULL_STEP_MS) : left;
  }

  /** Whether the recovery probe should try now: failing, and the backoff has passed. */
  probeDue(): boolean {
    return this.kind !== null && this.options.clock.now() >= this.retryAt;
  }

  status(): StorageStatus {
    return {
      writable: this.kind === null,
      kind: this.kind,
      reason: this.kind ? describeStorageFailure(this.kind) : null,
      since: this.since,
      failures: this.failures,
      lastError: this.lastError,
    };
  }
}
