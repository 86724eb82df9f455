import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../../store/port.ts';
import type { Clock } from '../../core/clock.ts';
import { readOutboxSnapshot, type OutboxSnapshot } from '../../store/queries/metricsSnapshot.ts';
import { earliestUnleasedDueAt } from '../../store/queries/nextDueJob.ts';
import type { PollInfo } from '../../scheduler/index.ts';
import type { AttemptInfo, OutcomeInfo } from '../../delivery/index.ts';
import type { EventType } from '../../core/types.ts';
import type { StorageFailureKind } from '../../store/storageErrors.ts';
import type { DiskSample } from './diskMonitor.ts';
import type { CheckpointReport } from './walCheckpointer.ts';

/** How long gauge counts read from SQLite are reused: a scrape never triggers more than one count per window. */
const SNAPSHOT_TTL_MS = 15_000;

export interface Metrics {
  registry: Registry;
  onPoll(info: PollInfo): void;
  onEvent(info: { jobId: string; provider: string; type: EventType }): void;
  onAttempt(info: AttemptInfo): void;
  onOutcome(info: OutcomeInfo): void;
  /** A storage failure, classified (storageErrors.ts); `operation`: write, read or checkpoint. */
  onStorageFailure(kind: StorageFailureKind, operation: string): void;
  setStorageWritable(writable: boolean): void;
  onDiskSample(sample: DiskSample): void;
  onCheckpoint(report: CheckpointReport): void;
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * Prometheus metrics. Counters and histograms are fed by the engines' hooks; the gauges that
 * come from SQLite read small partial indexes (see migration 0002) and are cached.
 */
export function createMetrics(db: Database, clock: Clock, options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const polls = new Counter({
    name: 'pollhook_polls_total',
    help: 'Upstream polls by provider and outcome (observed, not_modified, or the failure kind).',
    labelNames: ['provider', 'outcome'],
    registers: [registry],
  });
  const unknownStatuses = new Counter({
    name: 'pollhook_unknown_upstream_status_total',
    help: 'Polls whose upstream status the state mapping does not know.',
    labelNames: ['provider'],
    registers: [registry],
  });
  const pollDuration = new Histogram({
    name: 'pollhook_poll_duration_seconds',
    help: 'Upstream poll latency (a topaz list walk counts as one).',
    labelNames: ['provider'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers: [registry],
  });
  const events = new Counter({
    name: 'pollhook_events_total',
    help: 'Events appended, by type.',
    labelNames: ['type', 'provider'],
    registers: [registry],
  });
  const deliveryOutcomes = new Counter({
    name: 'pollhook_delivery_outcomes_total',
    help: 'Delivery attempts by resulting delivery status (delivered, failed = retry scheduled, dead, canceled).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const attemptDuration = new Histogram({
    name: 'pollhook_delivery_attempt_duration_seconds',
    help: 'Webhook attempt latency, by verdict.',
    labelNames: ['verdict'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers: [registry],
  });
  const deliveryLag = new Histogram({
    name: 'pollhook_delivery_lag_seconds',
    help: 'From an event being committed to its delivery being acknowledged.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 1800, 7200, 36000],
    registers: [registry],
  });

  const storageErrors = new Counter({
    name: 'pollhook_storage_errors_total',
    help: 'Storage failures by kind (full, busy, io, readonly, corrupt) and operation (write, read, checkpoint).',
    labelNames: ['kind', 'operation'],
    registers: [registry],
  });
  const storageWritable = new Gauge({
    name: 'pollhook_storage_writable',
    help: '1 while the database accepts writes, 0 from a write failing for a storage reason until one succeeds.',
    registers: [registry],
  });
  storageWritable.set(1);
  const diskFree = new Gauge({ name: 'pollhook_disk_free_bytes', help: "Free bytes on the database's filesystem.", registers: [registry] });
  const diskLow = new Gauge({ name: 'pollhook_disk_low', help: '1 while free space is below POLLHOOK_LOW_DISK_BYTES.', registers: [registry] });
  const databaseBytes = new Gauge({ name: 'pollhook_database_bytes', help: 'Size of the database file.', registers: [registry] });
  const walBytes = new Gauge({ name: 'pollhook_wal_bytes', help: 'Size of the WAL file.', registers: [registry] });
  const checkpoints = new Counter({
    name: 'pollhook_wal_checkpoints_total',
    help: 'WAL checkpoints by mode (PASSIVE copies back; TRUNCATE also empties the WAL file).',
    labelNames: ['mode'],
    registers: [registry],
  });

  let snapshot: OutboxSnapshot | null = null;
  let snapshotAt = -Infinity;
  const currentSnapshot = (): OutboxSnapshot => {
    const now = clock.now();
    if (!snapshot || now - snapshotAt >= SNAPSHOT_TTL_MS) {
      snapshot = readOutboxSnapshot(db);
      snapshotAt = now;
    }
    return snapshot;
  };
  new Gauge({
    name: 'pollhook_outbox_deliveries',
    help: `Open deliveries by status (cached up to ${SNAPSHOT_TTL_MS / 1000} s).`,
    labelNames: ['status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [status, n] of Object.entries(currentSnapshot().deliveriesByStatus)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'pollhook_active_jobs',
    help: `Jobs being tracked, by provider (cached up to ${SNAPSHOT_TTL_MS / 1000} s).`,
    labelNames: ['provider'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [provider, n] of Object.entries(currentSnapshot().activeJobsByProvider)) this.set({ provider }, n);
    },
  });
  new Gauge({
    name: 'pollhook_oldest_due_job_lag_seconds',
    help: 'Now minus the oldest due nextPollAt (0 when nothing is overdue): how far polling is behind.',
    registers: [registry],
    collect() {
      const oldest = earliestUnleasedDueAt(db, clock.now());
      this.set(oldest == null ? 0 : Math.max(0, clock.now() - oldest) / 1000);
    },
  });

  return {
    registry,
    onPoll(info) {
      polls.inc({ provider: info.provider, outcome: info.result });
      if (info.unknownStatus) unknownStatuses.inc({ provider: info.provider });
      pollDuration.observe({ provider: info.provider }, info.durationMs / 1000);
    },
    onEvent(info) {
      events.inc({ type: info.type, provider: info.provider });
    },
    onAttempt(info) {
      attemptDuration.observe({ verdict: info.verdict }, info.durationMs / 1000);
    },
    onOutcome(info) {
      deliveryOutcomes.inc({ outcome: info.status });
      if (info.status === 'delivered') deliveryLag.observe(Math.max(0, clock.now() - info.eventCreatedAt) / 1000);
    },
    onStorageFailure(kind, operation) {
      storageErrors.inc({ kind, operation });
    },
    setStorageWritable(writable) {
      storageWritable.set(writable ? 1 : 0);
    },
    onDiskSample(sample) {
      diskFree.set(sample.freeBytes);
      diskLow.set(sample.low ? 1 : 0);
      databaseBytes.set(sample.databaseBytes);
      walBytes.set(sample.walBytes);
    },
    onCheckpoint(report) {
      checkpoints.inc({ mode: report.mode });
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
