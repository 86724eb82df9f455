import { afterEach, describe, expect, it } from 'vitest';
import { tempDb, type TempDb } from '../helpers/db.ts';
import { allJobRows, JOB_COLUMNS } from '../../src/store/jobColumns.ts';
import type { JobRow } from '../../src/store/rows.ts';

describe('job rows read as arrays', () => {
  let t: TempDb;
  afterEach(() => t?.cleanup());

  it('lists every column of the jobs table, in the table order, but the open run of unchanged polls', () => {
    t = tempDb();
    const names = t.db.prepare<{ name: string }>("SELECT name FROM pragma_table_info('jobs')").all().map((r) => r.name);
    // The run (migration 0009) is written by SQL alone and read only by the poll history, so the
    // claim does not return it.
    const run = names.filter((n) => n.startsWith('unchanged_'));
    expect(run).toHaveLength(7);
    expect(JOB_COLUMNS.split(', ')).toEqual(names.filter((n) => !run.includes(n)));
  });

  it('maps arrays to the same objects the driver builds, with or without Statement.values', () => {
    t = tempDb();
    const select = t.db.prepare<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs`);
    expect(allJobRows(select)).toEqual(select.all());
    const row = Object.fromEntries(JOB_COLUMNS.split(', ').map((c, i) => [c, i % 3 === 0 ? null : `${c}-${i}`]));
    const fake = { run: () => ({ changes: 0 }), get: () => undefined, all: () => [row as unknown as JobRow], values: () => [JOB_COLUMNS.split(', ').map((c) => row[c])] };
    expect(allJobRows(fake)).toEqual([row]);
    expect(allJobRows({ ...fake, values: undefined })).toEqual([row]);
  });
});
