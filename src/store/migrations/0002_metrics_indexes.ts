/**
 * Partial indexes that keep the metrics gauges cheap: counting open deliveries by status and
 * active jobs by provider reads only these small indexes, never the whole tables.
 */
export const sql = /* sql */ `
CREATE INDEX deliveries_open_by_status ON deliveries(status) WHERE status IN ('pending','failed','dead');
-- Not on next_poll_at: every claim moves it, and SQLite rewrites an index entry whenever a
-- column of its WHERE changes. finished_at and deleted_at change once per job.
CREATE INDEX jobs_active_by_provider ON jobs(provider) WHERE finished_at IS NULL AND deleted_at IS NULL;
`;
