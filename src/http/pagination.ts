import { isWellFormedId, type IdPrefix } from '../core/ids.ts';
import { invalid, type FieldError } from './problem.ts';

/** Cursors are opaque to clients: base64url of the last id of the previous page (ids are ASCII). */
export const encodeCursor = (lastId: string): string =>
  btoa(lastId).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function fromBase64Url(value: string): string {
  try {
    return atob(value.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return '';
  }
}

/**
 * Whether `cursor` has the form of one some list issued (base64url of an id such as `job_01...`,
 * or of a poll number `poll_12`), whichever list: the query schema checks this much, so a bad
 * cursor is reported together with a bad limit; which list issued it is the handler's check.
 */
export function isIssuedCursorForm(cursor: string): boolean {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return false;
  const text = fromBase64Url(cursor);
  return /^[a-z]{2,4}_[0-9A-HJKMNP-TV-Z]{26}$/.test(text) || /^poll_[1-9][0-9]{0,15}$/.test(text);
}

/** The id inside a cursor this API issued for this list; a 422 at `cursor` for anything else. */
export function decodeCursor(cursor: string | undefined, prefix: IdPrefix): string | undefined {
  if (cursor === undefined) return undefined;
  const error = cursorError(cursor, prefix);
  if (error) throw invalid([error]);
  return fromBase64Url(cursor);
}

/** The 422 entry for a `cursor` that is not one this list issued; null when it is (or is absent). */
export function cursorError(cursor: unknown, prefix: IdPrefix): FieldError | null {
  if (typeof cursor !== 'string') return null;
  const id = /^[A-Za-z0-9_-]+$/.test(cursor) ? fromBase64Url(cursor) : '';
  return isWellFormedId(id, prefix) ? null : { path: 'cursor', message: 'is not a cursor returned by this list' };
}

/**
 * Lists fetch limit + 1 rows: the extra row only says whether there is a next page.
 */
export function page<Row extends { id: string }, View>(
  rows: Row[],
  limit: number,
  view: (row: Row) => View,
): { data: View[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { data: kept.map(view), nextCursor: more && last ? encodeCursor(last.id) : null };
}
