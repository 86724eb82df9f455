/**
 * Logs a repeating error once, then a count: the first occurrence of a key is logged at once;
 * further ones within `windowMs` are only counted, and the next occurrence after the window (or
 * `settle`, when the condition ends) logs "<message> (repeated N times in the last 60 s)". A
 * failing disk hit by every engine step and request thus costs a line a minute, not thousands a
 * second.
 */
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';

type Level = 'warn' | 'error';

interface Entry {
  level: Level;
  message: string;
  fields: Record<string, unknown>;
  windowStart: number;
  suppressed: number;
}

export class RepeatedLog {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly windowMs = 60_000,
  ) {}

  /** Logs or counts one occurrence. `key` identifies "the same error". */
  report(level: Level, key: string, fields: Record<string, unknown>, message: string): void {
    const now = this.clock.now();
    const e = this.entries.get(key);
    if (!e) {
      this.entries.set(key, { level, message, fields, windowStart: now, suppressed: 0 });
      this.logger[level](fields, message);
      return;
    }
    e.fields = fields;
    if (now - e.windowStart < this.windowMs) {
      e.suppressed++;
      return;
    }
    this.summarize(e, now, 1);
  }

  /** The condition behind every key is over: logs what was counted and forgets the keys. */
  settle(): void {
    const now = this.clock.now();
    for (const e of this.entries.values()) if (e.suppressed > 0) this.summarize(e, now, 0);
    this.entries.clear();
  }

  private summarize(e: Entry, now: number, extra: number): void {
    const repeated = e.suppressed + extra;
    const seconds = Math.round((now - e.windowStart) / 1000);
    this.logger[e.level]({ ...e.fields, repeated, windowSeconds: seconds }, `${e.message} (repeated ${repeated.toLocaleString('en-US')} times in the last ${seconds} s)`);
    e.windowStart = now;
    e.suppressed = 0;
  }
}
