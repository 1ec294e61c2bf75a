-- One row per gateway request, whatever its billing mode and outcome. For credit-billed
-- requests it is written in the same transaction as the charge it describes.
CREATE TABLE usage_records (
  id text PRIMARY KEY,
  -- The client's x-request-id when it sent a sane one, so it is not unique; id is ours.
  request_id text NOT NULL,
  key_id text NOT NULL,
  account_id text NOT NULL REFERENCES accounts (id),
  billing text NOT NULL CHECK (billing IN ('credits', 'plan')),
  endpoint text NOT NULL,
  model text NOT NULL,
  upstream text,
  status_code integer NOT NULL,
  outcome text NOT NULL,
  prompt_tokens bigint NOT NULL DEFAULT 0,
  completion_tokens bigint NOT NULL DEFAULT 0,
  -- 1 when the tokens were counted by inferport because the upstream reported no usage.
  usage_estimated integer NOT NULL DEFAULT 0,
  cost_micros bigint NOT NULL DEFAULT 0,
  hold_id text,
  latency_ms integer NOT NULL,
  ttft_ms integer,
  created_at_ms bigint NOT NULL
);

CREATE INDEX usage_records_account_idx ON usage_records (account_id, created_at_ms);
