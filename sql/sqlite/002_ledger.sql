-- The credit ledger. Money is integer micro-credits (int8). Entries are append-only and
-- double-entry: each ledger transaction's entries sum to zero. wallets.balance_micros and
-- grants.remaining_micros are caches of entry sums, updated in the same transaction.
CREATE TABLE wallets (
  account_id TEXT PRIMARY KEY REFERENCES accounts (id),
  balance_micros INTEGER NOT NULL DEFAULT 0 CHECK (balance_micros >= 0),
  reserved_micros INTEGER NOT NULL DEFAULT 0 CHECK (reserved_micros >= 0),
  updated_at_ms INTEGER NOT NULL
);

-- A grant is one lot of credit with its own kind and expiry; spending draws from grants.
CREATE TABLE grants (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  kind TEXT NOT NULL CHECK (kind IN ('paid', 'promo')),
  source TEXT NOT NULL,
  amount_micros INTEGER NOT NULL CHECK (amount_micros > 0),
  remaining_micros INTEGER NOT NULL CHECK (remaining_micros >= 0),
  reserved_micros INTEGER NOT NULL DEFAULT 0 CHECK (reserved_micros >= 0),
  expires_at_ms INTEGER,
  created_at_ms INTEGER NOT NULL,
  CHECK (reserved_micros <= remaining_micros)
);

CREATE INDEX grants_account_live_idx ON grants (account_id, remaining_micros);

CREATE TABLE ledger_transactions (
  id TEXT PRIMARY KEY,
  -- Every write carries one; a replay finds the first write and changes nothing.
  idempotency_key TEXT NOT NULL UNIQUE,
  -- Hash of what the write asked for: the same key with a different request is refused.
  fingerprint TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('grant', 'charge', 'expire', 'refund', 'adjust')),
  account_id TEXT NOT NULL REFERENCES accounts (id),
  amount_micros INTEGER NOT NULL,
  hold_id TEXT,
  memo TEXT,
  created_at_ms INTEGER NOT NULL
);

CREATE INDEX ledger_transactions_account_idx ON ledger_transactions (account_id, created_at_ms);
CREATE INDEX ledger_transactions_hold_idx ON ledger_transactions (hold_id);

CREATE TABLE ledger_entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
  -- 'grant' rows belong to an account's wallet; 'system' rows are the other side of the books.
  book TEXT NOT NULL CHECK (book IN ('grant', 'system')),
  -- The grant id for book 'grant'; for book 'system' one of issued_paid, issued_promo, revenue,
  -- expired, refunded.
  ledger_account TEXT NOT NULL,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  amount_micros INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL
);

CREATE INDEX ledger_entries_transaction_idx ON ledger_entries (transaction_id);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id, book);

-- Two-phase holds: reserve, then post (at most once) or void. allocations is a JSON list of
-- {grant_id, micros} saying which grants the reservation is held against.
CREATE TABLE holds (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  idempotency_key TEXT NOT NULL UNIQUE,
  amount_micros INTEGER NOT NULL CHECK (amount_micros >= 0),
  allocations TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'posted', 'voided', 'expired')),
  posted_micros INTEGER,
  expires_at_ms INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  resolved_at_ms INTEGER
);

-- Partial: only pending holds are looked up by expiry (the sweeper); settled ones skip it.
CREATE INDEX holds_pending_idx ON holds (expires_at_ms) WHERE status = 'pending';
CREATE INDEX holds_account_idx ON holds (account_id);
