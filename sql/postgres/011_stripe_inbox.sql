-- Stripe: the webhook inbox, the customer each account pays through, and the state of the
-- account's subscriptions that decides its plan.

-- Every verified webhook delivery is stored here, once (the primary key is Stripe's event id,
-- so a redelivery adds nothing), before Stripe is answered; it is then processed from here and
-- retried until a handler succeeds, so an event is never lost to a failure while handling it.
CREATE TABLE stripe_events (
  id text PRIMARY KEY,
  type text NOT NULL,
  -- The body exactly as Stripe signed it.
  payload text NOT NULL,
  -- Stripe's event.created (seconds since the epoch) in milliseconds.
  created_at_ms bigint NOT NULL,
  received_at_ms bigint NOT NULL,
  -- pending: to process (again); processed: a handler succeeded, or no handler wanted it;
  -- failed: given up after the last attempt, or a payload no retry can fix (see last_error).
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processed', 'failed')),
  processed_at_ms bigint,
  attempts bigint NOT NULL DEFAULT 0,
  last_error text,
  -- When a processor may take it up next: at arrival, after a failure's back-off, or when the
  -- claim of a processor that died while handling it runs out.
  next_attempt_at_ms bigint
);

CREATE INDEX stripe_events_due_idx ON stripe_events (next_attempt_at_ms) WHERE status = 'pending';

-- The Stripe customer of an account, created once on its first checkout and reused after.
ALTER TABLE accounts ADD COLUMN stripe_customer_id text;
CREATE UNIQUE INDEX accounts_stripe_customer_idx ON accounts (stripe_customer_id);

-- When an admin last set the account's plan: a subscription event created before it (a late or
-- retried delivery) records its subscription's state but leaves that plan alone.
ALTER TABLE accounts ADD COLUMN plan_set_by_admin_at_ms bigint;

-- Each subscription as its newest applied event left it. Events are applied per subscription
-- only when newer than the one recorded (event time, then event id), so replays and
-- out-of-order deliveries cannot take a subscription back to an older state; the account's
-- plan is then derived from all of its subscriptions.
CREATE TABLE stripe_subscriptions (
  id text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id),
  customer_id text NOT NULL,
  status text NOT NULL,
  -- The price of the item that named a configured plan, or of the first item when none did.
  price_id text,
  -- Stripe's subscription.created: when several grant a plan, the newest subscription's wins.
  subscription_created_at_ms bigint NOT NULL,
  event_created_at_ms bigint NOT NULL,
  event_id text NOT NULL,
  updated_at_ms bigint NOT NULL
);

CREATE INDEX stripe_subscriptions_account_idx ON stripe_subscriptions (account_id);
