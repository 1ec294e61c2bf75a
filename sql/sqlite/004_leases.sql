-- Credit leases: a gateway process reserves a slice of a wallet's credit durably (held against
-- grants, like a hold) and hands out per-request reservations from it in memory. Requests are
-- then settled in batches: one transaction writes each request's hold, charge and usage record
-- and draws the charges from the lease. A process that dies leaves its lease to expire.
CREATE TABLE leases (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  -- Which process holds it (for operators reading the table).
  owner TEXT NOT NULL,
  -- Credit still leased: reserved against grants, not yet charged or given back.
  amount_micros INTEGER NOT NULL CHECK (amount_micros >= 0),
  -- JSON list of {grant_id, micros}: which grants the leased credit is held against.
  allocations TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'expired')),
  captured_micros INTEGER NOT NULL DEFAULT 0,
  expires_at_ms INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  -- A closed lease holds nothing; a batch that still draws on it fails and takes the slow path.
  CHECK (status = 'open' OR amount_micros = 0)
);

CREATE INDEX leases_open_idx ON leases (status, expires_at_ms);
CREATE INDEX leases_account_idx ON leases (account_id);
