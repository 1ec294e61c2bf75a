-- The lean write path (src/ledger/charge-rows.ts): a request reserved from a lease is settled as
-- ONE row, its usage record, which now also carries its charge (status, reservation, the grants
-- it drew from, the batch transaction that holds the money). Each settlement batch writes one
-- ledger transaction per wallet, whose entries sum the batch's draws; request_count says how
-- many request rows reference it, and the auditor checks that they sum to its amount. The
-- record's primary key is the request's idempotency key: a replayed settlement fails on it.
ALTER TABLE usage_records ADD COLUMN charge_status text CHECK (charge_status IN ('posted', 'voided'));
ALTER TABLE usage_records ADD COLUMN reserved_micros bigint NOT NULL DEFAULT 0;
-- JSON list of {grant_id, micros}, summing to cost_micros when posted.
ALTER TABLE usage_records ADD COLUMN draws text NOT NULL DEFAULT '[]';
ALTER TABLE usage_records ADD COLUMN transaction_id text;
ALTER TABLE ledger_transactions ADD COLUMN request_count bigint;

-- Ledger pages list charged requests from here, in (time, id) order like the transactions.
DROP INDEX usage_records_account_idx;
CREATE INDEX usage_records_account_page_idx ON usage_records (account_id, created_at_ms, id);
