-- Auto-refill, refunds and disputes (issue 11), and the alerts they raise.

-- An account's auto-refill: when a charge takes the balance below threshold_micros, one
-- off-session PaymentIntent for amount_micros is made on the saved card. The card
-- (stripe_payment_method_id) is saved here from a Checkout payment made for future off-session
-- use or a setup-mode Checkout; the lead may move it next to the customer once packs keep it.
CREATE TABLE auto_refill_settings (
  account_id TEXT PRIMARY KEY REFERENCES accounts (id),
  enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
  threshold_micros INTEGER NOT NULL DEFAULT 0 CHECK (threshold_micros >= 0),
  amount_micros INTEGER NOT NULL DEFAULT 0 CHECK (amount_micros >= 0),
  stripe_payment_method_id TEXT,
  -- Declines since the last success; at failures_before_disable the refill is turned off.
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  -- No new attempt before this moment (the back-off after a decline).
  retry_after_ms INTEGER,
  -- Why the refill was turned off by inferport (null when the owner did it, or it is on).
  disabled_reason TEXT CHECK (disabled_reason IN ('failures', 'authentication_required', 'dispute')),
  -- The bank asked to authenticate an off-session charge: the owner must save the card again
  -- on this Checkout page (setup mode). Null url while the page is still to be made.
  action_required TEXT CHECK (action_required IN ('authentication_required')),
  action_url TEXT,
  action_url_expires_at_ms INTEGER,
  updated_at_ms INTEGER NOT NULL,
  CHECK (enabled = 0 OR amount_micros > 0)
);

-- One row per refill attempt, written (in its own transaction) before Stripe is called; its id
-- is the Stripe idempotency key of the PaymentIntent, so a retried call charges once.
CREATE TABLE auto_refill_attempts (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  -- pending: not yet answered by Stripe; processing: a PaymentIntent exists and its outcome
  -- comes by webhook; succeeded: credited; failed: declined or given up.
  status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'succeeded', 'failed')),
  amount_micros INTEGER NOT NULL CHECK (amount_micros > 0),
  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  currency TEXT NOT NULL,
  stripe_payment_intent_id TEXT UNIQUE,
  failure_code TEXT,
  failure_message TEXT,
  submit_tries INTEGER NOT NULL DEFAULT 0,
  -- When a pending attempt may be sent to Stripe (again): a sender claims it by moving this on.
  submit_after_ms INTEGER,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);

-- At most one refill in flight per account, whatever races to start one.
CREATE UNIQUE INDEX auto_refill_attempts_in_flight_idx ON auto_refill_attempts (account_id) WHERE status IN ('pending', 'processing');
CREATE INDEX auto_refill_attempts_due_idx ON auto_refill_attempts (submit_after_ms) WHERE status = 'pending';
CREATE INDEX auto_refill_attempts_account_idx ON auto_refill_attempts (account_id, created_at_ms);

-- Things an account's owner or the operator should hear about (issue 12 delivers them).
CREATE TABLE alerts (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);

CREATE INDEX alerts_account_idx ON alerts (account_id, created_at_ms);

-- A request to refund the account's unused paid credit, decided by an admin.
CREATE TABLE refunds (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  -- requested → approved (credit taken back, money on its way) → refunded (Stripe confirmed
  -- every part), or requested → rejected.
  status TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'refunded')),
  reason TEXT NOT NULL,
  -- Set at approval: the credit taken back and the money returned for it, over all its items.
  credits_micros INTEGER,
  amount_minor INTEGER,
  created_at_ms INTEGER NOT NULL,
  decided_at_ms INTEGER,
  completed_at_ms INTEGER
);

-- One open request per account.
CREATE UNIQUE INDEX refunds_open_idx ON refunds (account_id) WHERE status = 'requested';
CREATE INDEX refunds_created_idx ON refunds (created_at_ms);

-- A refund's part for one purchase: the credit debited from the purchase's paid grant (ledger
-- transaction, idempotency key refund:<refund>:<purchase>) and the Stripe refund of its money.
CREATE TABLE refund_items (
  refund_id TEXT NOT NULL REFERENCES refunds (id),
  purchase_id TEXT NOT NULL REFERENCES purchases (id),
  credits_micros INTEGER NOT NULL CHECK (credits_micros > 0),
  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  transaction_id TEXT NOT NULL,
  -- pending: to send to Stripe; submitted: Stripe made the refund; succeeded: charge.refunded
  -- confirmed it; failed: Stripe refused it (an alert says so; the operator settles it).
  status TEXT NOT NULL CHECK (status IN ('pending', 'submitted', 'succeeded', 'failed')),
  stripe_refund_id TEXT UNIQUE,
  submit_tries INTEGER NOT NULL DEFAULT 0,
  submit_after_ms INTEGER,
  last_error TEXT,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (refund_id, purchase_id)
);

CREATE INDEX refund_items_due_idx ON refund_items (submit_after_ms) WHERE status = 'pending';
CREATE INDEX refund_items_purchase_idx ON refund_items (purchase_id);

-- Disputes (chargebacks) of an account's payments. While one is open, auto-refill stays off and
-- refunds are held.
CREATE TABLE disputes (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  stripe_charge_id TEXT,
  stripe_payment_intent_id TEXT,
  status TEXT NOT NULL,
  amount_minor INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  closed_at_ms INTEGER
);

CREATE INDEX disputes_account_idx ON disputes (account_id);
