-- Teams (issue 13): members of an account, each with their own keys, and spend caps per member
-- and per key (per UTC day and month) that concurrent requests can never together exceed.

-- A member of an account's team. Removing one keeps the row (its spend stays reportable) and
-- revokes its keys in the same transaction.
CREATE TABLE team_members (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  name TEXT NOT NULL,
  email TEXT,
  created_at_ms INTEGER NOT NULL,
  removed_at_ms INTEGER
);
CREATE INDEX team_members_account_idx ON team_members (account_id, created_at_ms);

-- The member a key was issued to; null for the account's own keys.
ALTER TABLE api_keys ADD COLUMN member_id TEXT REFERENCES team_members (id);
CREATE INDEX api_keys_member_idx ON api_keys (member_id) WHERE member_id IS NOT NULL;

-- A subject's caps (a key id or a member id); null: no cap in that window. On PostgreSQL the row
-- is what a capped reservation locks; SQLite's transactions hold the one write lock already.
CREATE TABLE spend_caps (
  subject_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  daily_micros INTEGER CHECK (daily_micros >= 0),
  monthly_micros INTEGER CHECK (monthly_micros >= 0),
  updated_at_ms INTEGER NOT NULL
);

-- A capped request's room, taken before it is forwarded and deleted once its charge has
-- committed (which is then in key_spend_daily): the cap check counts both. id is the request's
-- id, which is also its usage record's.
CREATE TABLE spend_holds (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  member_id TEXT,
  amount_micros INTEGER NOT NULL CHECK (amount_micros >= 0),
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
);
CREATE INDEX spend_holds_key_idx ON spend_holds (key_id);
CREATE INDEX spend_holds_member_idx ON spend_holds (member_id) WHERE member_id IS NOT NULL;

-- What each key was charged per UTC day (created_at_ms / 86400000 of its usage records),
-- credit-billed requests only. Kept by a trigger on usage_records, so it commits with the very
-- statement that writes the charges (any writer), and no code of the ledger had to change.
-- SQLite has only row triggers; each is an in-process upsert, no round trip.
CREATE TABLE key_spend_daily (
  key_id TEXT NOT NULL,
  day_index INTEGER NOT NULL,
  account_id TEXT NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  cost_micros INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (key_id, day_index)
) WITHOUT ROWID;
CREATE INDEX key_spend_daily_account_idx ON key_spend_daily (account_id, day_index);

INSERT INTO key_spend_daily (key_id, day_index, account_id, requests, cost_micros)
SELECT key_id, created_at_ms / 86400000, min(account_id), count(*), sum(cost_micros)
FROM usage_records WHERE billing = 'credits' GROUP BY 1, 2;

-- The inner statement's semicolon shares its line with END: the migration runner ends a
-- statement at a line that ends with one (src/db/migrate.ts splitStatements).
CREATE TRIGGER usage_records_key_spend AFTER INSERT ON usage_records
WHEN NEW.billing = 'credits'
BEGIN
  INSERT INTO key_spend_daily (key_id, day_index, account_id, requests, cost_micros)
  VALUES (NEW.key_id, NEW.created_at_ms / 86400000, NEW.account_id, 1, NEW.cost_micros)
  ON CONFLICT (key_id, day_index) DO UPDATE SET
    requests = requests + 1, cost_micros = cost_micros + excluded.cost_micros; END;
