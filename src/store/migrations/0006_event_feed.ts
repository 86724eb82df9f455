/**
 * The tenant-wide event feed and subscription filters.
 *
 * events.seq is the feed's cursor: a number that only grows, in commit order. It is not the
 * rowid: SQLite reuses the largest rowid after that row is deleted (retention prunes old jobs)
 * and VACUUM may renumber rowids of a table without an INTEGER PRIMARY KEY, and either would
 * move a consumer's cursor past events it never saw. The counter row is advanced inside the
 * transaction that appends the events, and writers are serialized, so a reader that sees seq N
 * also sees every event with a smaller seq. Numbers may be skipped (a reserved seq whose write
 * lost its lease), never reused.
 *
 * recordPollOutcomes reserves seqs itself (one counter update per batch); the trigger numbers
 * any other insert that leaves seq NULL.
 *
 * subscriptions.filter is JSON `{ "providers": [...], "metadata": { "key": "value" } }` or NULL.
 */
export const sql = /* sql */ `
ALTER TABLE events ADD COLUMN seq INTEGER;
CREATE TABLE event_feed_counter (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  last  INTEGER NOT NULL
);
UPDATE events SET seq = rowid;
INSERT INTO event_feed_counter (id, last) VALUES (1, COALESCE((SELECT MAX(seq) FROM events), 0));
CREATE UNIQUE INDEX events_feed ON events(tenant_id, seq);
CREATE TRIGGER events_number AFTER INSERT ON events WHEN NEW.seq IS NULL
BEGIN
  UPDATE event_feed_counter SET last = last + 1 WHERE id = 1;
  UPDATE events SET seq = (SELECT last FROM event_feed_counter WHERE id = 1) WHERE rowid = NEW.rowid;
END;

ALTER TABLE subscriptions ADD COLUMN filter TEXT;
`;
