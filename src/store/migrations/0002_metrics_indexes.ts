/**
 * Partial indexes that keep the metrics gauges cheap: counting open deliveries by status and
 * active jobs by provider reads only these small indexes, never the whole tables.
 */
export const sql = /* sql */ `
CREATE INDEX deliveries_open_by_status ON deliveries(status) WHERE status IN ('pending','failed','dead');
CREATE INDEX jobs_active_by_provider ON jobs(provider) WHERE next_poll_at IS NOT NULL;
`;
