/**
 * One partial index for the deliveries that are not delivered, in place of two. Recording a
 * delivery used to change three entries in them: deliveries_by_tenant_status lost its
 * (tenant, 'pending', id) entry and gained (tenant, 'delivered', id), and
 * deliveries_open_by_status lost one. Now it loses one entry and gains none. In the delivery
 * benchmark's store micro-benchmark that was about a quarter of the SQLite CPU per delivery
 * (ids of one burst are random within a millisecond, so each entry is on its own page).
 *
 * deliveries_open serves both readers: the metrics gauge (counts by status, a prefix of the
 * index) and the API list filtered by a status other than 'delivered' (status and tenant are
 * both equalities, then id orders the page). SQLite uses a partial index only when the query
 * repeats its WHERE term, so those queries carry `status <> 'delivered'` (OPEN_DELIVERY in
 * src/store/queries/deliveries.ts). A list of delivered deliveries walks deliveries_by_tenant
 * (tenant_id, id) newest first and skips the few that are not delivered.
 */
export const sql = /* sql */ `
DROP INDEX deliveries_by_tenant_status;
DROP INDEX deliveries_open_by_status;
CREATE INDEX deliveries_open ON deliveries(status, tenant_id, id) WHERE status <> 'delivered';
`;
