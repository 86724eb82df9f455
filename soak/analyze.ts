/**
 * Judges a soak run from what the receiver wrote down and what the database holds. Pure.
 * An event is (job, sequence); what each job had to produce comes from the simulator's script.
 */
import type { ReceiptLine } from './receiver.ts';

export interface ExpectedJob {
  upstreamStatuses: readonly string[];
  finalState: string;
}

export interface DatabaseFacts {
  /** Stored events per pollhook job id. */
  eventsByJob: ReadonlyMap<string, number>;
  /** Current state per pollhook job id. */
  stateByJob: ReadonlyMap<string, string | null>;
}

export interface Verdict {
  jobs: number;
  /** Events the scripts imply. */
  expectedEvents: number;
  /** Verified webhooks answered 2xx. */
  accepted: number;
  /** Accepted webhooks beyond the first of each webhook-id. */
  duplicates: number;
  /** Expected (job, sequence) pairs never accepted. */
  lost: number;
  /** Accepted (job, sequence) pairs outside the script, or carrying the wrong upstream status. */
  invented: number;
  /** Events stored beyond or short of what the script implies. */
  storedMismatches: number;
  wrongFinalStates: number;
  invalidSignatures: number;
  /** A few readable examples of what went wrong. */
  problems: string[];
}

export function judge(expected: ReadonlyMap<string, ExpectedJob>, receipts: readonly ReceiptLine[], db: DatabaseFacts): Verdict {
  const problems: string[] = [];
  const note = (p: string) => void (problems.length < 20 && problems.push(p));
  const accepted = receipts.filter((r) => r.verified && r.status >= 200 && r.status < 300);
  const byWebhookId = new Map<string, number>();
  for (const r of accepted) byWebhookId.set(r.webhookId, (byWebhookId.get(r.webhookId) ?? 0) + 1);
  let duplicates = 0;
  for (const n of byWebhookId.values()) duplicates += n - 1;

  const got = new Map<string, ReceiptLine>();
  for (const r of accepted) if (r.jobId != null && r.sequence != null) got.set(`${r.jobId}#${r.sequence}`, r);

  let expectedEvents = 0;
  let lost = 0;
  let invented = 0;
  let storedMismatches = 0;
  let wrongFinalStates = 0;
  for (const [jobId, job] of expected) {
    const n = job.upstreamStatuses.length;
    expectedEvents += n;
    for (let seq = 1; seq <= n; seq++) {
      const r = got.get(`${jobId}#${seq}`);
      if (!r) {
        lost++;
        note(`lost: ${jobId} sequence ${seq} (${job.upstreamStatuses[seq - 1]})`);
      } else if (r.upstreamStatus !== job.upstreamStatuses[seq - 1]) {
        invented++;
        note(`wrong status: ${jobId} sequence ${seq} is ${r.upstreamStatus}, the script says ${job.upstreamStatuses[seq - 1]}`);
      }
    }
    const stored = db.eventsByJob.get(jobId) ?? 0;
    if (stored !== n) {
      storedMismatches++;
      note(`stored events: ${jobId} has ${stored}, the script implies ${n}`);
    }
    const state = db.stateByJob.get(jobId) ?? null;
    if (state !== job.finalState) {
      wrongFinalStates++;
      note(`final state: ${jobId} is ${state}, the script ends ${job.finalState}`);
    }
  }
  for (const [key, r] of got) {
    const job = r.jobId ? expected.get(r.jobId) : undefined;
    if (!job || (r.sequence ?? 0) > job.upstreamStatuses.length) {
      invented++;
      note(`invented: ${key} (${r.type} ${r.upstreamStatus})`);
    }
  }
  return {
    jobs: expected.size,
    expectedEvents,
    accepted: accepted.length,
    duplicates,
    lost,
    invented,
    storedMismatches,
    wrongFinalStates,
    invalidSignatures: receipts.filter((r) => !r.verified).length,
    problems,
  };
}
