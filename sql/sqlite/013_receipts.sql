-- Receipts of purchases (issue 11). (The card saved for auto-refill lives in auto_refill_settings, 015.)

-- One receipt per purchase, written in the transaction that records the purchase: the outbox
-- of its email, so a crash right after the commit still sends it. The receipts job claims a
-- pending one (next_attempt_at_ms moves past the claim, so another replica leaves it alone),
-- mails it, and marks it sent; a failure is retried with back-off, a bounded number of times.
CREATE TABLE receipts (
  purchase_id TEXT PRIMARY KEY REFERENCES purchases (id),
  account_id TEXT NOT NULL REFERENCES accounts (id),
  -- pending: to send (while [smtp] is not configured, it waits); sent; skipped: the account
  -- has no email address; failed: given up after the last attempt (see last_error).
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'skipped', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_ms INTEGER,
  last_error TEXT,
  -- Where it was sent, as the account's email was at the time.
  recipient TEXT,
  sent_at_ms INTEGER,
  created_at_ms INTEGER NOT NULL
);

CREATE INDEX receipts_due_idx ON receipts (next_attempt_at_ms) WHERE status = 'pending';
CREATE INDEX receipts_account_idx ON receipts (account_id);
