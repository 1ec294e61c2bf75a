-- Accounts and their API keys. Times are epoch milliseconds (int8) in both dialects, so that
-- the two schemas match column for column and time arithmetic is plain integer math.
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
  plan TEXT,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  name TEXT,
  -- SHA-256 of the whole key: the key itself is never stored and cannot be recovered.
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  billing TEXT NOT NULL CHECK (billing IN ('credits', 'plan')),
  -- JSON array of model names, or NULL for every model.
  models TEXT,
  expires_at_ms INTEGER,
  revoked_at_ms INTEGER,
  created_at_ms INTEGER NOT NULL
);

CREATE INDEX api_keys_account_idx ON api_keys (account_id);
