/**
 * delivery_attempts without AUTOINCREMENT. Every recorded attempt inserted a row and, because
 * of AUTOINCREMENT, also read and rewrote the table's row in sqlite_sequence: a second b-tree
 * write per delivery on the dispatcher's thread (about 3 of the 14 us of SQLite work per
 * delivery in the store micro-benchmark of claim, record and commit; docs/benchmarks.md, sixth
 * pass). `id` stays the rowid. Without AUTOINCREMENT SQLite numbers a new row one above the
 * largest id in the table, so a delivery's own attempts still number in the order they were
 * made (its rows are deleted only with it, never while it lives), which is all listAttempts
 * orders by. An id may be used again only after the newest attempt of the whole table was
 * deleted (retention or tenant deletion); no reader keeps attempt ids across that.
 *
 * The table is rebuilt (SQLite cannot drop AUTOINCREMENT in place): rows and ids are copied
 * as they are, in one transaction with the rest of the migration.
 */
export const sql = /* sql */ `
CREATE TABLE delivery_attempts_next (
  id             INTEGER PRIMARY KEY,
  delivery_id    TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  attempted_at   INTEGER NOT NULL,
  duration_ms    INTEGER NOT NULL,
  status_code    INTEGER,
  error          TEXT,
  response_body  TEXT              -- first 4 KiB
);
INSERT INTO delivery_attempts_next (id, delivery_id, attempted_at, duration_ms, status_code, error, response_body)
  SELECT id, delivery_id, attempted_at, duration_ms, status_code, error, response_body FROM delivery_attempts;
DROP TABLE delivery_attempts;
ALTER TABLE delivery_attempts_next RENAME TO delivery_attempts;
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts(delivery_id, id);
`;
