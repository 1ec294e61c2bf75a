-- Accounts and their API keys. Times are epoch milliseconds (int8) in both dialects, so that
-- the two schemas match column for column and time arithmetic is plain integer math.
CREATE TABLE accounts (
  id text PRIMARY KEY,
  name text NOT NULL,
  email text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
  plan text,
  created_at_ms bigint NOT NULL,
  updated_at_ms bigint NOT NULL
);

CREATE TABLE api_keys (
  id text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id),
  name text,
  -- SHA-256 of the whole key: the key itself is never stored and cannot be recovered.
  key_hash text NOT NULL UNIQUE,
  prefix text NOT NULL,
  billing text NOT NULL CHECK (billing IN ('credits', 'plan')),
  -- JSON array of model names, or NULL for every model.
  models text,
  expires_at_ms bigint,
  revoked_at_ms bigint,
  created_at_ms bigint NOT NULL
);

CREATE INDEX api_keys_account_idx ON api_keys (account_id);
