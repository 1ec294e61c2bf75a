-- Credit bought through Stripe (issue 11): one row per payment, whichever way it was paid (a
-- Checkout Session, or an off-session PaymentIntent of auto-refill). The payment intent's id is
-- unique: crediting twice for one payment is impossible whatever the webhook delivers, and the
-- purchase's grant and its ledger transaction (idempotency key purchase:<payment intent>) are
-- written in the same transaction as this row. Refunds draw on refunded_micros.
CREATE TABLE purchases (
  id text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id),
  source text NOT NULL CHECK (source IN ('checkout', 'auto_refill')),
  stripe_payment_intent_id text NOT NULL UNIQUE,
  stripe_checkout_session_id text,
  stripe_charge_id text,
  -- What the customer paid, in the currency's smallest unit (cents), and in which currency.
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  currency text NOT NULL,
  credits_micros bigint NOT NULL CHECK (credits_micros > 0),
  grant_id text NOT NULL,
  transaction_id text NOT NULL,
  -- Credit taken back by refunds of this purchase (never more than it granted).
  refunded_micros bigint NOT NULL DEFAULT 0 CHECK (refunded_micros >= 0 AND refunded_micros <= credits_micros),
  created_at_ms bigint NOT NULL
);

CREATE INDEX purchases_account_idx ON purchases (account_id, created_at_ms);
