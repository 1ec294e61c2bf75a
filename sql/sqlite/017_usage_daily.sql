-- Daily rollups of usage (issue 12): one row per account, UTC day, model and upstream, summing the
-- account's usage records of that day. Kept by the settlement batch that writes the records (the
-- same statement batch, no extra round trip), so the cost console reads a few rows per day
-- instead of scanning usage_records. upstream is the usage record's upstream ('' when none): a
-- deployment-served request's upstream is its deployment's id (dep_…), which is how the console
-- counts a deployment's requests.
CREATE TABLE usage_daily (
  account_id TEXT NOT NULL REFERENCES accounts (id),
  -- created_at_ms / 86400000 (integer division): the UTC calendar day.
  day_index INTEGER NOT NULL,
  model TEXT NOT NULL,
  upstream TEXT NOT NULL DEFAULT '',
  requests INTEGER NOT NULL DEFAULT 0,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  cost_micros INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, day_index, model, upstream)
) WITHOUT ROWID;
