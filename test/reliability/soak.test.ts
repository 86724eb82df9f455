import { describe, expect, it } from 'vitest';
import { QUICK, formatReport, runSoak, soakFailures } from '../../soak/soak.ts';
import { judge } from '../../soak/analyze.ts';
import { killTimes } from '../../soak/plan.ts';
import type { ReceiptLine } from '../../soak/receiver.ts';

/**
 * The crash soak with quick parameters (`npm run soak -- --quick`): the real server, the
 * simulator and a verifying receiver as separate processes, the server SIGKILLed 3 times.
 */
describe('crash soak (quick)', () => {
  it('loses no event, invents none, and duplicates at most what was in flight at the kills', async () => {
    const seed = Number(process.env.SOAK_SEED ?? 20261122);
    const report = await runSoak({ ...QUICK, seed, log: () => {} });
    console.log(formatReport(report));
    expect(soakFailures(report)).toEqual([]);
    expect(report.kills).toBe(QUICK.kills);
    expect(report.lost).toBe(0);
    expect(report.accepted).toBeGreaterThanOrEqual(report.expectedEvents);
    expect(report.integrity).toBe('ok');
  }, 150_000);
});


const receipt = (jobId: string, sequence: number, upstreamStatus: string, extra: Partial<ReceiptLine> = {}): ReceiptLine => ({
  webhookId: `msg_${jobId}_${sequence}`,
  verified: true,
  status: 204,
  jobId,
  sequence,
  type: 'job.running',
  upstreamStatus,
  state: 'running',
  errorCode: null,
  at: 0,
  ...extra,
});

describe('soak verdict', () => {
  const expected = new Map([['j1', { upstreamStatuses: ['pending', 'done'], finalState: 'succeeded' }]]);
  const facts = { eventsByJob: new Map([['j1', 2]]), stateByJob: new Map([['j1', 'succeeded']]) };
  it.each([
    ['every event once', [receipt('j1', 1, 'pending'), receipt('j1', 2, 'done')], { lost: 0, duplicates: 0, invented: 0 }],
    ['a retried 500 then a 2xx is not a duplicate', [receipt('j1', 1, 'pending', { status: 500 }), receipt('j1', 1, 'pending'), receipt('j1', 2, 'done')], { lost: 0, duplicates: 0 }],
    ['the same webhook accepted twice', [receipt('j1', 1, 'pending'), receipt('j1', 1, 'pending'), receipt('j1', 2, 'done')], { duplicates: 1, lost: 0 }],
    ['a missing sequence', [receipt('j1', 1, 'pending')], { lost: 1 }],
    ['an unverified webhook does not count', [receipt('j1', 1, 'pending'), receipt('j1', 2, 'done', { verified: false })], { lost: 1, invalidSignatures: 1 }],
    ['a sequence beyond the script', [receipt('j1', 1, 'pending'), receipt('j1', 2, 'done'), receipt('j1', 3, 'done')], { invented: 1 }],
    ['a status the script does not have there', [receipt('j1', 1, 'done'), receipt('j1', 2, 'done')], { invented: 1, lost: 0 }],
  ] as const)('%s', (_name, receipts, want) => {
    expect(judge(expected, receipts, facts)).toMatchObject(want);
  });

  it('kill times are ascending, inside the window and a gap apart', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const times = killTimes(5, 2_000, 40_000, 6_000, random);
    expect(times).toHaveLength(5);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(6_000);
    expect(times[0]).toBeGreaterThanOrEqual(2_000);
    expect(times.at(-1)).toBeLessThanOrEqual(40_000);
  });
});
