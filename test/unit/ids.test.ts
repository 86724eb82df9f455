import { describe, expect, it } from 'vitest';
import { isWellFormedId, newId } from '../../src/core/ids.ts';

describe('ids', () => {
  it('are prefixed, well formed and sort by creation time', () => {
    const a = newId('job', 1_000);
    const b = newId('job', 2_000);
    expect(isWellFormedId(a, 'job')).toBe(true);
    expect(isWellFormedId(a, 'evt')).toBe(false);
    expect(a < b).toBe(true);
  });
  it('rejects look-alikes', () => {
    for (const bad of ['job_', 'job_../../etc', 'job_01JD' + 'I'.repeat(22), 'JOB_' + '0'.repeat(26)]) {
      expect(isWellFormedId(bad, 'job')).toBe(false);
    }
  });
});
