/**
 * One circuit per target origin (pure, in-memory, per process). After `failureThreshold`
 * failures in a row (timeouts, connection errors, 5xx) the circuit opens: deliveries to that
 * origin are deferred without an attempt until `openUntil`. Then one probe goes out
 * (half-open); its success closes the circuit, its failure opens it again for twice as long.
 * Any HTTP answer that is not a 5xx counts as success: the receiver is alive.
 */
export interface CircuitOptions {
  failureThreshold: number;
  openMs: number;
  maxOpenMs: number;
  /** How long deliveries wait while the probe is out. */
  probeWaitMs: number;
}

export const DEFAULT_CIRCUIT: CircuitOptions = { failureThreshold: 5, openMs: 10_000, maxOpenMs: 300_000, probeWaitMs: 1_000 };

export type CircuitState = 'closed' | 'open' | 'half-open';

export type Admission = { ok: true; probe: boolean } | { ok: false; retryAt: number };

interface Circuit {
  state: CircuitState;
  failures: number;
  openings: number;
  openUntil: number;
}

export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();
  constructor(private readonly options: CircuitOptions = DEFAULT_CIRCUIT) {}

  admit(origin: string, now: number): Admission {
    const c = this.circuits.get(origin);
    if (!c || c.state === 'closed') return { ok: true, probe: false };
    if (c.state === 'half-open') return { ok: false, retryAt: now + this.options.probeWaitMs };
    if (now < c.openUntil) return { ok: false, retryAt: c.openUntil };
    c.state = 'half-open';
    return { ok: true, probe: true };
  }

  /** A probe that never got sent (released on shutdown, lease lost) must not wedge the circuit. */
  abandonProbe(origin: string, now: number): void {
    const c = this.circuits.get(origin);
    if (c?.state === 'half-open') {
      c.state = 'open';
      c.openUntil = now;
    }
  }

  recordSuccess(origin: string): void {
    this.circuits.delete(origin);
  }

  /** Returns true when this failure opened the circuit. */
  recordFailure(origin: string, now: number): boolean {
    let c = this.circuits.get(origin);
    if (!c) {
      c = { state: 'closed', failures: 0, openings: 0, openUntil: 0 };
      this.circuits.set(origin, c);
    }
    if (c.state === 'open') return false; // sends from before it opened: already counted
    c.failures += 1;
    if (c.state === 'closed' && c.failures < this.options.failureThreshold) return false;
    c.openings += 1;
    c.state = 'open';
    const { openMs, maxOpenMs } = this.options;
    c.openUntil = now + Math.min(maxOpenMs, openMs * 2 ** (c.openings - 1));
    return true;
  }

  state(origin: string): CircuitState {
    return this.circuits.get(origin)?.state ?? 'closed';
  }
}
