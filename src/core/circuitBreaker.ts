/**
 * One circuit per delivery endpoint (tenant + exact target URL; pure, in-memory, per process).
 * After `failureThreshold` failures in a row (timeouts, connection errors, 5xx) the circuit
 * opens: deliveries to that endpoint are deferred without an attempt until `openUntil`. Then one
 * of its own deliveries goes out as a probe (half-open); its success closes the circuit, its
 * failure opens it again for twice as long. Any HTTP answer that is not a 5xx counts as success:
 * the receiver is alive. Endpoints never share a circuit, so one endpoint's failures never defer
 * another's deliveries, on the same host or not.
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

/** Circuits kept at most; beyond it the oldest closed ones (a few failures, long ago) are forgotten. */
const MAX_CIRCUITS = 100_000;

export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();
  constructor(private readonly options: CircuitOptions = DEFAULT_CIRCUIT) {}

  admit(endpoint: string, now: number): Admission {
    const c = this.circuits.get(endpoint);
    if (!c || c.state === 'closed') return { ok: true, probe: false };
    if (c.state === 'half-open') return { ok: false, retryAt: now + this.options.probeWaitMs };
    if (now < c.openUntil) return { ok: false, retryAt: c.openUntil };
    c.state = 'half-open';
    return { ok: true, probe: true };
  }

  /** A probe that never got sent (released on shutdown, lease lost) must not wedge the circuit. */
  abandonProbe(endpoint: string, now: number): void {
    const c = this.circuits.get(endpoint);
    if (c?.state === 'half-open') {
      c.state = 'open';
      c.openUntil = now;
    }
  }

  recordSuccess(endpoint: string): void {
    if (this.circuits.size > 0) this.circuits.delete(endpoint);
  }

  /** Returns true when this failure opened the circuit. */
  recordFailure(endpoint: string, now: number): boolean {
    let c = this.circuits.get(endpoint);
    if (!c) {
      if (this.circuits.size >= MAX_CIRCUITS) this.forgetOldClosed();
      c = { state: 'closed', failures: 0, openings: 0, openUntil: 0 };
      this.circuits.set(endpoint, c);
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

  state(endpoint: string): CircuitState {
    return this.circuits.get(endpoint)?.state ?? 'closed';
  }

  /** Its last attempt failed (or its circuit is not closed): the endpoint is not known healthy. */
  failing(endpoint: string): boolean {
    return this.circuits.size > 0 && this.circuits.has(endpoint);
  }

  private forgetOldClosed(): void {
    let budget = Math.ceil(MAX_CIRCUITS / 10);
    for (const [key, c] of this.circuits) {
      if (budget-- <= 0) break;
      if (c.state === 'closed') this.circuits.delete(key);
    }
  }
}
