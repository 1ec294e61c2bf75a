-- Teams (issue 13): members of an account, each with their own keys, and spend caps per member
-- and per key (per UTC day and month) that concurrent requests can never together exceed.

-- A member of an account's team. Removing one keeps the row (its spend stays reportable) and
-- revokes its keys in the same transaction.
CREATE TABLE team_members (
  id text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id),
  name text NOT NULL,
  email text,
  created_at_ms bigint NOT NULL,
  removed_at_ms bigint
);
CREATE INDEX team_members_account_idx ON team_members (account_id, created_at_ms);

-- The member a key was issued to; null for the account's own keys.
ALTER TABLE api_keys ADD COLUMN member_id text REFERENCES team_members (id);
CREATE INDEX api_keys_member_idx ON api_keys (member_id) WHERE member_id IS NOT NULL;

-- A subject's caps (a key id or a member id); null: no cap in that window. The row is also what a
-- capped reservation locks (FOR UPDATE), so that the reservations of one subject check and take
-- their room one at a time.
CREATE TABLE spend_caps (
  subject_id text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id),
  daily_micros bigint CHECK (daily_micros >= 0),
  monthly_micros bigint CHECK (monthly_micros >= 0),
  updated_at_ms bigint NOT NULL
);

-- A capped request's room, taken before it is forwarded and deleted once its charge has
-- committed (which is then in key_spend_daily): the cap check counts both. id is the request's
-- id, which is also its usage record's.
CREATE TABLE spend_holds (
  id text PRIMARY KEY,
  account_id text NOT NULL,
  key_id text NOT NULL,
  member_id text,
  amount_micros bigint NOT NULL CHECK (amount_micros >= 0),
  created_at_ms bigint NOT NULL,
  expires_at_ms bigint NOT NULL
);
CREATE INDEX spend_holds_key_idx ON spend_holds (key_id);
CREATE INDEX spend_holds_member_idx ON spend_holds (member_id) WHERE member_id IS NOT NULL;

-- What each key was charged per UTC day (floor(created_at_ms / 86400000) of its usage records),
-- credit-billed requests only. Kept by a trigger on usage_records, so it commits with the very
-- statement that writes the charges (any writer: the settlement batch, its fallback, a direct
-- charge), and no code of the ledger had to change. One statement-level trigger per insert: the
-- batch's rows are summed per (key, day) before the upsert, as usage_daily's are.
CREATE TABLE key_spend_daily (
  key_id text NOT NULL,
  day_index bigint NOT NULL,
  account_id text NOT NULL,
  requests bigint NOT NULL DEFAULT 0,
  cost_micros bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (key_id, day_index)
);
CREATE INDEX key_spend_daily_account_idx ON key_spend_daily (account_id, day_index);

-- Fill it from the records written before this migration.
INSERT INTO key_spend_daily (key_id, day_index, account_id, requests, cost_micros)
SELECT key_id, floor(created_at_ms / 86400000.0)::bigint, min(account_id), count(*), sum(cost_micros)
FROM usage_records WHERE billing = 'credits' GROUP BY 1, 2;

CREATE FUNCTION inferport_key_spend_rollup() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  INSERT INTO key_spend_daily AS d (key_id, day_index, account_id, requests, cost_micros)
  SELECT key_id, floor(created_at_ms / 86400000.0)::bigint, min(account_id), count(*), sum(cost_micros)
  FROM inserted WHERE billing = 'credits'
  GROUP BY 1, 2
  ORDER BY 1, 2
  ON CONFLICT (key_id, day_index) DO UPDATE SET
    requests = d.requests + excluded.requests, cost_micros = d.cost_micros + excluded.cost_micros;
  RETURN NULL;
END
$$;

CREATE TRIGGER usage_records_key_spend AFTER INSERT ON usage_records
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION inferport_key_spend_rollup();
