/** Row shapes as stored (snake_case, epoch ms, JSON as text). Query modules map them. */
export interface JobRow {
  id: string;
  tenant_id: string;
  provider: string;
  external_id: string;
  connection_id: string | null;
  credentials_enc: string | null;
  http_spec: string | null;
  http_headers_enc: string | null;
  callback_url: string | null;
  callback_disabled_at: number | null;
  callback_disabled_reason: string | null;
  events: string | null;
  metadata: string | null;
  poll_interval_ms: number | null;
  max_poll_interval_ms: number | null;
  deadline_at: number;
  state: string | null;
  upstream_status: string | null;
  progress: number | null;
  result: string | null;
  error: string | null;
  eta_at: number | null;
  last_sequence: number;
  next_poll_at: number | null;
  lease_token: string | null;
  lease_expires_at: number | null;
  current_interval_ms: number | null;
  poll_count: number;
  failure_count: number;
  consecutive_failures: number;
  not_found_count: number;
  not_found_since: number | null;
  unauthorized_count: number;
  last_failure: string | null;
  etag: string | null;
  last_modified: string | null;
  last_polled_at: number | null;
  last_changed_at: number | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  deleted_at: number | null;
}

export type DeliveryStatus = 'pending' | 'failed' | 'delivered' | 'dead' | 'canceled';
export const UNFINISHED_DELIVERY = ['pending', 'failed'] as const;

export interface DeliveryRow {
  id: string;
  tenant_id: string;
  event_id: string;
  job_id: string;
  sequence: number;
  subscription_id: string | null;
  target_key: string;
  url: string;
  status: DeliveryStatus;
  attempt_count: number;
  retry_base: number;
  next_attempt_at: number | null;
  lease_token: string | null;
  lease_expires_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
  dead_at: number | null;
}

export interface EventRow {
  id: string;
  job_id: string;
  tenant_id: string;
  sequence: number;
  type: string;
  body: string;
  created_at: number;
  /** The tenant feed's cursor (migration 0006). */
  seq?: number | null;
}

export interface SubscriptionRow {
  id: string;
  tenant_id: string;
  url: string;
  events: string | null;
  description: string | null;
  enabled: number;
  disabled_reason: string | null;
  disabled_at: number | null;
  failing_since: number | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  /** JSON provider/metadata filter (migration 0006); null for none. */
  filter?: string | null;
}
