-- Coupons (issue 11): a code that adds promo credit to the wallet of the account redeeming it.
-- code is the normalised code (upper case; letters, digits, - and _), unique for good: a disabled
-- code is never given out again. redemptions counts coupon_redemptions rows and is raised by a
-- conditional update in the transaction that writes the redemption and its grant, so the last
-- use of a limited code goes to exactly one account however many redeem it at once.
CREATE TABLE coupons (
  code TEXT PRIMARY KEY,
  amount_micros INTEGER NOT NULL CHECK (amount_micros > 0),
  -- NULL: no limit on the number of accounts that may redeem it.
  max_redemptions INTEGER CHECK (max_redemptions IS NULL OR max_redemptions > 0),
  redemptions INTEGER NOT NULL DEFAULT 0 CHECK (redemptions >= 0),
  -- After this moment the code can no longer be redeemed (credit already granted stays).
  expires_at_ms INTEGER,
  -- The granted credit expires this many days after its redemption; NULL: it never expires.
  credit_expires_days INTEGER CHECK (credit_expires_days IS NULL OR credit_expires_days > 0),
  disabled_at_ms INTEGER,
  created_at_ms INTEGER NOT NULL,
  CHECK (max_redemptions IS NULL OR redemptions <= max_redemptions)
);

-- One redemption per (coupon, account): the primary key refuses a second one even if every
-- check above it were wrong. The grant and its ledger transaction are written with the row.
CREATE TABLE coupon_redemptions (
  coupon_code TEXT NOT NULL REFERENCES coupons (code),
  account_id TEXT NOT NULL REFERENCES accounts (id),
  grant_id TEXT NOT NULL,
  transaction_id TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (coupon_code, account_id)
);

CREATE INDEX coupon_redemptions_account_idx ON coupon_redemptions (account_id);

-- The sweeper looks for grants that have expired with credit left to write off. Without this
-- index that is a scan of every grant ever made on each pass; with it, a range scan over the
-- few that are due. Both planners can use it because the sweeper's conditions imply its
-- predicate: expires_at_ms <= now implies IS NOT NULL, and the other is the same words.
-- Never-expiring grants (most paid credit) are left out of it.
CREATE INDEX grants_expiring_idx ON grants (expires_at_ms) WHERE expires_at_ms IS NOT NULL AND remaining_micros > reserved_micros;
