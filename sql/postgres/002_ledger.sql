-- The credit ledger. Money is integer micro-credits (int8). Entries are append-only and
-- double-entry: each ledger transaction's entries sum to zero. wallets.balance_micros and
-- grants.remaining_micros are caches of entry sums, updated in the same transaction.
CREATE TABLE wallets (
  account_id text PRIMARY KEY REFERENCES accounts (id),
  balance_micros bigint NOT NULL DEFAULT 0 CHECK (balance_micros >= 0),
  reserved_micros bigint NOT NULL DEFAULT 0 CHECK (reserved_micros >= 0),
  updated_at_ms bigint NOT NULL
);

-- A grant is one lot of credit with its own kind and expiry; spending draws from grants.
CREATE TABLE grants (
  id text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id),
  kind text NOT NULL CHECK (kind IN ('paid', 'promo')),
  source text NOT NULL,
  amount_micros bigint NOT NULL CHECK (amount_micros > 0),
  remaining_micros bigint NOT NULL CHECK (remaining_micros >= 0),
  reserved_micros bigint NOT NULL DEFAULT 0 CHECK (reserved_micros >= 0),
  expires_at_ms bigint,
  created_at_ms bigint NOT NULL,
  CHECK (reserved_micros <= remaining_micros)
);

CREATE INDEX grants_account_live_idx ON grants (account_id, remaining_micros);

CREATE TABLE ledger_transactions (
  id text PRIMARY KEY,
  -- Every write carries one; a replay finds the first write and changes nothing.
  idempotency_key text NOT NULL UNIQUE,
  -- Hash of what the write asked for: the same key with a different request is refused.
  fingerprint text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('grant', 'charge', 'expire', 'refund', 'adjust')),
  account_id text NOT NULL REFERENCES accounts (id),
  amount_micros bigint NOT NULL,
  hold_id text,
  memo text,
  created_at_ms bigint NOT NULL
);

CREATE INDEX ledger_transactions_account_idx ON ledger_transactions (account_id, created_at_ms);
CREATE INDEX ledger_transactions_hold_idx ON ledger_transactions (hold_id);

CREATE TABLE ledger_entries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id text NOT NULL REFERENCES ledger_transactions (id),
  -- 'grant' rows belong to an account's wallet; 'system' rows are the other side of the books.
  book text NOT NULL CHECK (book IN ('grant', 'system')),
  -- The grant id for book 'grant'; for book 'system' one of issued_paid, issued_promo, revenue,
  -- expired, refunded.
  ledger_account text NOT NULL,
  account_id text NOT NULL REFERENCES accounts (id),
  amount_micros bigint NOT NULL,
  created_at_ms bigint NOT NULL
);

CREATE INDEX ledger_entries_transaction_idx ON ledger_entries (transaction_id);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id, book);

-- Two-phase holds: reserve, then post (at most once) or void. allocations is a JSON list of
-- {grant_id, micros} saying which grants the reservation is held against.
CREATE TABLE holds (
  id text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id),
  idempotency_key text NOT NULL UNIQUE,
  amount_micros bigint NOT NULL CHECK (amount_micros >= 0),
  allocations text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'posted', 'voided', 'expired')),
  posted_micros bigint,
  expires_at_ms bigint NOT NULL,
  created_at_ms bigint NOT NULL,
  resolved_at_ms bigint
);

-- Partial: only pending holds are looked up by expiry (the sweeper); settled ones skip it.
CREATE INDEX holds_pending_idx ON holds (expires_at_ms) WHERE status = 'pending';
CREATE INDEX holds_account_idx ON holds (account_id);
