-- Deployments (issue 12): a dedicated inference instance for one account, billed per clock hour
-- from its wallet. While running (or paused) it routes its model, for its account only, to its
-- upstream_url; a stopped deployment routes nothing and is never billed again.
CREATE TABLE deployments (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  model TEXT NOT NULL,
  instance_type TEXT NOT NULL,
  upstream_url TEXT NOT NULL,
  -- The price when it started: a later change of [instance_types] does not reprice it.
  per_hour_micros INTEGER NOT NULL CHECK (per_hour_micros >= 0),
  status TEXT NOT NULL CHECK (status IN ('running', 'paused', 'stopped')),
  started_at_ms INTEGER NOT NULL,
  paused_at_ms INTEGER,
  stopped_at_ms INTEGER,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);

-- One live deployment per account and model: the route of a model must be unambiguous.
CREATE UNIQUE INDEX deployments_live_model_idx ON deployments (account_id, model) WHERE status <> 'stopped';
CREATE INDEX deployments_account_idx ON deployments (account_id, created_at_ms);
-- The biller reads the deployments not stopped.
CREATE INDEX deployments_live_idx ON deployments (status) WHERE status <> 'stopped';

-- Each billed clock hour (hour_index = floor(ms / 3600000), UTC) of a deployment: its primary key
-- and the ledger charge's idempotency key 'deployment:<id>:hour:<index>' make an hour billed once,
-- however many schedulers or replicas run.
CREATE TABLE deployment_hours (
  deployment_id TEXT NOT NULL REFERENCES deployments (id),
  hour_index INTEGER NOT NULL,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  amount_micros INTEGER NOT NULL CHECK (amount_micros >= 0),
  transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
  charged_at_ms INTEGER NOT NULL,
  PRIMARY KEY (deployment_id, hour_index)
);

CREATE INDEX deployment_hours_account_idx ON deployment_hours (account_id, charged_at_ms);
