-- One row per gateway request, whatever its billing mode and outcome. For credit-billed
-- requests it is written in the same transaction as the charge it describes.
CREATE TABLE usage_records (
  id TEXT PRIMARY KEY,
  -- The client's x-request-id when it sent a sane one, so it is not unique; id is ours.
  request_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  billing TEXT NOT NULL CHECK (billing IN ('credits', 'plan')),
  endpoint TEXT NOT NULL,
  model TEXT NOT NULL,
  upstream TEXT,
  status_code INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  -- 1 when the tokens were counted by inferport because the upstream reported no usage.
  usage_estimated INTEGER NOT NULL DEFAULT 0,
  cost_micros INTEGER NOT NULL DEFAULT 0,
  hold_id TEXT,
  latency_ms INTEGER NOT NULL,
  ttft_ms INTEGER,
  created_at_ms INTEGER NOT NULL
);

CREATE INDEX usage_records_account_idx ON usage_records (account_id, created_at_ms);
