/**
 * The jobs table's columns in a fixed order, for queries that read whole job rows as arrays
 * (Statement.values) and map them here into JobRow objects of one shape.
 */
import type { Statement, SqlValue } from './port.ts';
import type { JobRow } from './rows.ts';

export const JOB_COLUMNS =
  'id, tenant_id, provider, external_id, connection_id, credentials_enc, http_spec, http_headers_enc, ' +
  'callback_url, callback_disabled_at, callback_disabled_reason, events, metadata, poll_interval_ms, ' +
  'max_poll_interval_ms, deadline_at, state, upstream_status, progress, result, error, eta_at, ' +
  'last_sequence, next_poll_at, lease_token, lease_expires_at, current_interval_ms, poll_count, ' +
  'failure_count, consecutive_failures, not_found_count, not_found_since, unauthorized_count, ' +
  'last_failure, etag, last_modified, last_polled_at, last_changed_at, created_at, updated_at, ' +
  'finished_at, deleted_at';

/** Runs a statement that selects or returns JOB_COLUMNS, as arrays when the driver can. */
export function allJobRows(stmt: Statement<JobRow>, ...params: SqlValue[]): JobRow[] {
  if (!stmt.values) return stmt.all(...params);
  return stmt.values(...params).map(jobRowOf);
}

function jobRowOf(v: unknown[]): JobRow {
  const a = v as any[];
  return {
    id: a[0],
    tenant_id: a[1],
    provider: a[2],
    external_id: a[3],
    connection_id: a[4],
    credentials_enc: a[5],
    http_spec: a[6],
    http_headers_enc: a[7],
    callback_url: a[8],
    callback_disabled_at: a[9],
    callback_disabled_reason: a[10],
    events: a[11],
    metadata: a[12],
    poll_interval_ms: a[13],
    max_poll_interval_ms: a[14],
    deadline_at: a[15],
    state: a[16],
    upstream_status: a[17],
    progress: a[18],
    result: a[19],
    error: a[20],
    eta_at: a[21],
    last_sequence: a[22],
    next_poll_at: a[23],
    lease_token: a[24],
    lease_expires_at: a[25],
    current_interval_ms: a[26],
    poll_count: a[27],
    failure_count: a[28],
    consecutive_failures: a[29],
    not_found_count: a[30],
    not_found_since: a[31],
    unauthorized_count: a[32],
    last_failure: a[33],
    etag: a[34],
    last_modified: a[35],
    last_polled_at: a[36],
    last_changed_at: a[37],
    created_at: a[38],
    updated_at: a[39],
    finished_at: a[40],
    deleted_at: a[41],
  };
}
