-- Alert settings and delivery (issue 12): what an account wants to hear, and the outbox that
-- carries each alert to its webhook (signed the Standard Webhooks way) and its email.

-- An account's alert settings (PUT /console/alerts). Null amounts turn that alert off.
CREATE TABLE alert_settings (
  account_id text PRIMARY KEY REFERENCES accounts (id),
  webhook_url text,
  -- whsec_ + base64 of 32 random bytes, made when a webhook_url is first set; kept afterwards.
  webhook_secret text,
  low_balance_threshold_micros bigint CHECK (low_balance_threshold_micros >= 0),
  -- 1 while the balance is at or above the threshold: the next downward crossing fires (and
  -- clears it, in one conditional UPDATE, so two replicas cannot both fire); set again once the
  -- balance is back at or above the threshold.
  low_balance_armed integer NOT NULL DEFAULT 1 CHECK (low_balance_armed IN (0, 1)),
  daily_summary integer NOT NULL DEFAULT 0 CHECK (daily_summary IN (0, 1)),
  weekly_summary integer NOT NULL DEFAULT 0 CHECK (weekly_summary IN (0, 1)),
  deployment_cost_micros bigint CHECK (deployment_cost_micros > 0),
  updated_at_ms bigint NOT NULL
);

CREATE INDEX alert_settings_low_balance_idx ON alert_settings (account_id) WHERE low_balance_threshold_micros IS NOT NULL;

-- A structured payload (JSON text) and a dedupe key: an alert of one period or one deployment
-- (summary:daily:<account>:<day>, deployment_cost:<deployment>) is recorded once, whatever
-- restarts or replicas try again. NULLs do not collide in a unique index.
ALTER TABLE alerts ADD COLUMN data text;
ALTER TABLE alerts ADD COLUMN dedupe_key text;
CREATE UNIQUE INDEX alerts_dedupe_idx ON alerts (dedupe_key);

-- The outbox: one row per alert and channel, written in the alert's transaction. Its id is the
-- webhook-id every attempt carries (receivers dedupe on it). A worker claims a due row by moving
-- next_attempt_at_ms past the claim (another replica leaves it alone), delivers, and marks it.
CREATE TABLE alert_deliveries (
  id text PRIMARY KEY,
  alert_id text NOT NULL REFERENCES alerts (id),
  account_id text NOT NULL REFERENCES accounts (id),
  channel text NOT NULL CHECK (channel IN ('webhook', 'email')),
  -- The webhook URL or email address, as it was when the alert was raised.
  target text NOT NULL,
  -- pending: to deliver; delivered; failed: given up (a day of retries, or refused for good);
  -- skipped: nothing to deliver with (email without [smtp]).
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
  attempts bigint NOT NULL DEFAULT 0,
  next_attempt_at_ms bigint,
  last_error text,
  delivered_at_ms bigint,
  created_at_ms bigint NOT NULL
);

CREATE INDEX alert_deliveries_due_idx ON alert_deliveries (next_attempt_at_ms) WHERE status = 'pending';
CREATE INDEX alert_deliveries_alert_idx ON alert_deliveries (alert_id);
