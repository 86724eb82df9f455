/**
 * The base schema. Times are epoch milliseconds (INTEGER). JSON columns are TEXT.
 * Columns ending in `_enc` hold AES-256-GCM ciphertext (see src/security/secretBox.ts).
 */
export const sql = /* sql */ `
CREATE TABLE tenants (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);

-- Only the SHA-256 of a key is stored; lookup is by that hash.
CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY,
  tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  key_hash    TEXT NOT NULL UNIQUE,
  prefix      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);

-- expires_at is NULL for the current secret; a rotated-out secret keeps signing until it.
CREATE TABLE signing_secrets (
  id          TEXT PRIMARY KEY,
  tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  secret_enc  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER
);
CREATE INDEX signing_secrets_by_tenant ON signing_secrets(tenant_id, created_at);

CREATE TABLE connections (
  id               TEXT PRIMARY KEY,
  tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  provider         TEXT NOT NULL,
  name             TEXT,
  credentials_enc  TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  deleted_at       INTEGER
);
CREATE INDEX connections_by_tenant ON connections(tenant_id, id);

CREATE TABLE subscriptions (
  id               TEXT PRIMARY KEY,
  tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  url              TEXT NOT NULL,
  events           TEXT,               -- JSON array of event types; NULL = the default set
  description      TEXT,
  enabled          INTEGER NOT NULL DEFAULT 1,
  disabled_reason  TEXT,
  disabled_at      INTEGER,
  failing_since    INTEGER,            -- first dead delivery since the last success (5-day rule)
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  deleted_at       INTEGER
);
CREATE INDEX subscriptions_by_tenant ON subscriptions(tenant_id, id);

CREATE TABLE jobs (
  id                      TEXT PRIMARY KEY,
  tenant_id               TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  provider                TEXT NOT NULL,
  external_id             TEXT NOT NULL,
  connection_id           TEXT REFERENCES connections(id),
  credentials_enc         TEXT,           -- inline credentials, when no connection
  http_spec               TEXT,           -- http provider: JSON spec without headers
  http_headers_enc        TEXT,           -- http provider: encrypted JSON headers
  callback_url            TEXT,
  callback_disabled_at    INTEGER,        -- set when the callback answered 410
  callback_disabled_reason TEXT,
  events                  TEXT,           -- JSON array filter for the callback; NULL = default set
  metadata                TEXT,           -- JSON, echoed in events
  poll_interval_ms        INTEGER,        -- the job's own bounds; NULL = provider default
  max_poll_interval_ms    INTEGER,
  deadline_at             INTEGER NOT NULL,
  -- snapshot of the upstream job
  state                   TEXT,           -- NULL until the first successful poll
  upstream_status         TEXT,
  progress                REAL,
  result                  TEXT,           -- JSON
  error                   TEXT,           -- JSON {code,message}
  eta_at                  INTEGER,
  last_sequence           INTEGER NOT NULL DEFAULT 0,
  -- scheduling. next_poll_at is NULL once the job is finished or deleted. A claim sets it to the
  -- lease expiry, so a crashed worker's job becomes due again through the same index.
  next_poll_at            INTEGER,
  lease_token             TEXT,
  lease_expires_at        INTEGER,
  current_interval_ms     INTEGER,        -- the schedule's growing interval while nothing changes
  poll_count              INTEGER NOT NULL DEFAULT 0,
  failure_count           INTEGER NOT NULL DEFAULT 0,  -- all failed polls
  consecutive_failures    INTEGER NOT NULL DEFAULT 0,  -- transient/malformed/rate limited in a row
  not_found_count         INTEGER NOT NULL DEFAULT 0,
  not_found_since         INTEGER,
  unauthorized_count      INTEGER NOT NULL DEFAULT 0,
  last_failure            TEXT,           -- JSON PollFailure of the last failed poll
  etag                    TEXT,
  last_modified           TEXT,
  last_polled_at          INTEGER,
  last_changed_at         INTEGER,
  created_at              INTEGER NOT NULL,
  updated_at              INTEGER NOT NULL,
  finished_at             INTEGER,
  deleted_at              INTEGER
);
-- Idempotent registration: one live job per tenant, provider and external id. A deleted job
-- frees its key, so the same upstream job can be registered again.
CREATE UNIQUE INDEX jobs_identity ON jobs(tenant_id, provider, external_id) WHERE deleted_at IS NULL;
CREATE INDEX jobs_due ON jobs(next_poll_at) WHERE next_poll_at IS NOT NULL;
CREATE INDEX jobs_by_tenant ON jobs(tenant_id, id);
CREATE INDEX jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;

-- body is the exact JSON (Standard Webhooks envelope) that is signed and sent.
CREATE TABLE events (
  id          TEXT PRIMARY KEY,
  job_id      TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  tenant_id   TEXT NOT NULL,
  sequence    INTEGER NOT NULL,
  type        TEXT NOT NULL,
  body        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  UNIQUE (job_id, sequence)
);

-- One event to one target. The id is the webhook-id, stable across retries.
-- status: pending (not yet attempted, or blocked behind an earlier one to the same target),
--         failed (attempted, a retry is scheduled), delivered, dead, canceled (target gone: 410).
-- next_attempt_at is NULL when nothing is due: finished, or blocked behind an earlier event of
-- the same job to the same target (ordering). A claim sets it to the lease expiry.
CREATE TABLE deliveries (
  id                TEXT PRIMARY KEY,
  tenant_id         TEXT NOT NULL,
  event_id          TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  job_id            TEXT NOT NULL,
  sequence          INTEGER NOT NULL,
  subscription_id   TEXT,             -- NULL when the target is the job's callbackUrl
  target_key        TEXT NOT NULL,    -- 'callback' or the subscription id: the ordering lane
  url               TEXT NOT NULL,
  status            TEXT NOT NULL,
  attempt_count     INTEGER NOT NULL DEFAULT 0,
  retry_base        INTEGER NOT NULL DEFAULT 0, -- attempt_count at the last replay: the schedule restarts there
  next_attempt_at   INTEGER,
  lease_token       TEXT,
  lease_expires_at  INTEGER,
  last_status_code  INTEGER,
  last_error        TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  delivered_at      INTEGER,
  dead_at           INTEGER
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX deliveries_lane ON deliveries(job_id, target_key, sequence);
CREATE INDEX deliveries_by_tenant ON deliveries(tenant_id, id);
CREATE INDEX deliveries_by_tenant_status ON deliveries(tenant_id, status, id);
CREATE INDEX deliveries_by_subscription ON deliveries(subscription_id, status) WHERE subscription_id IS NOT NULL;
CREATE INDEX deliveries_by_event ON deliveries(event_id);

CREATE TABLE delivery_attempts (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id    TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  attempted_at   INTEGER NOT NULL,
  duration_ms    INTEGER NOT NULL,
  status_code    INTEGER,
  error          TEXT,
  response_body  TEXT              -- first 4 KiB
);
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts(delivery_id, id);

-- Learned time-to-terminal per tenant and provider: counts in log-spaced buckets.
CREATE TABLE duration_stats (
  tenant_id  TEXT NOT NULL,
  provider   TEXT NOT NULL,
  bucket     INTEGER NOT NULL,
  count      INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, provider, bucket)
) WITHOUT ROWID;
`;
