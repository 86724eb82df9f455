import { describe, expect, it } from 'vitest';
import { KeyWalks, type BatchUnit, type WalkContext } from '../../src/scheduler/batchWalk.ts';
import { PROVIDERS } from '../../src/providers/registry.ts';
import type { Release } from '../../src/store/queries/releaseJobs.ts';
import type { JobRow } from '../../src/store/rows.ts';
import type { ResolvedTarget } from '../../src/scheduler/pollTarget.ts';
import type { Database } from '../../src/store/port.ts';

const NOW = 1_000_000;
let seq = 0;

const unit = (provider: 'topaz' | 'fotolabs', key: string, over: Partial<JobRow> = {}): BatchUnit => {
  const id = `job_${++seq}`;
  const row = { id, tenant_id: 't1', external_id: `ext_${seq}`, deadline_at: NOW + 3_600_000, ...over } as JobRow;
  const resolved = {
    provider: PROVIDERS[provider],
    target: { credentials: { apiKey: key } },
    baseUrl: 'http://127.0.0.1:1',
    origin: 'http://127.0.0.1:1',
    budgetKey: `${provider}:${key}`,
  } as unknown as ResolvedTarget;
  return { rows: [{ row, resolved }] };
};

// plan() only hands the context on to walks; it never touches the database itself.
const ctx = (now = NOW): WalkContext => ({ db: {} as Database, leaseToken: 'lease', leaseMs: 60_000, now, resolve: () => null });

type Shape = { walks: number; follows: number; singles: number; released: number };
const shapeOf = (units: BatchUnit[], releases: Release[]): Shape => ({
  walks: units.filter((u) => u.walk).length,
  follows: units.filter((u) => u.follow).length,
  singles: units.filter((u) => !u.walk && !u.follow).length,
  released: releases.length,
});

describe('KeyWalks.plan', () => {
  const cases: Array<[string, (walks: KeyWalks) => BatchUnit[], Shape]> = [
    ['two due jobs on one key: one walk', () => [unit('topaz', 'k'), unit('topaz', 'k')], { walks: 1, follows: 0, singles: 0, released: 0 }],
    ['one due job on a key never walked: a single poll', () => [unit('topaz', 'k')], { walks: 0, follows: 0, singles: 1, released: 0 }],
    ['two keys: two walks', () => [unit('topaz', 'a'), unit('topaz', 'a'), unit('topaz', 'b'), unit('topaz', 'b')], { walks: 2, follows: 0, singles: 0, released: 0 }],
    ['providers without a list are polled on their own', () => [unit('fotolabs', 'k'), unit('fotolabs', 'k')], { walks: 0, follows: 0, singles: 2, released: 0 }],
    [
      'due before the key\'s next walk: handed back to it',
      (walks) => {
        walks.plan([unit('topaz', 'k'), unit('topaz', 'k')], ctx(), []);
        walks.stateOf('topaz:k')!.nextWalkAt = NOW + 20_000;
        return [unit('topaz', 'k'), unit('topaz', 'k')];
      },
      { walks: 0, follows: 0, singles: 0, released: 2 },
    ],
    [
      'a walk of the key in flight: its answers are taken',
      (walks) => {
        walks.plan([unit('topaz', 'k'), unit('topaz', 'k')], ctx(), []);
        walks.stateOf('topaz:k')!.inFlight = new Promise(() => {});
        return [unit('topaz', 'k')];
      },
      { walks: 0, follows: 1, singles: 0, released: 0 },
    ],
    [
      'one due job on a busy key (the last walk saw >= 2 running): a walk',
      (walks) => {
        walks.plan([unit('topaz', 'k'), unit('topaz', 'k')], ctx(), []);
        walks.stateOf('topaz:k')!.activeSeen = 40;
        return [unit('topaz', 'k')];
      },
      { walks: 1, follows: 0, singles: 0, released: 0 },
    ],
  ];
  it.each(cases)('%s', (_name, setup, expected) => {
    const walks = new KeyWalks();
    const units = setup(walks);
    const releases: Release[] = [];
    expect(shapeOf(walks.plan(units, ctx(), releases), releases)).toEqual(expected);
  });

  it('hands a job back no later than its deadline', () => {
    const walks = new KeyWalks();
    walks.plan([unit('topaz', 'k'), unit('topaz', 'k')], ctx(), []);
    walks.stateOf('topaz:k')!.nextWalkAt = NOW + 20_000;
    const releases: Release[] = [];
    walks.plan([unit('topaz', 'k', { deadline_at: NOW + 5_000 }), unit('topaz', 'k')], ctx(), releases);
    expect(releases.map((r) => r.nextPollAt)).toEqual([NOW + 5_000, NOW + 20_000]);
  });
});
