-- Ledger pages are ordered by (created_at_ms, id): one settlement batch writes many
-- transactions in the same millisecond, so the id breaks ties. This index serves that order
-- and the cursor's "older than (time, id)" condition; it replaces the time-only index.
DROP INDEX ledger_transactions_account_idx;
CREATE INDEX ledger_transactions_account_page_idx ON ledger_transactions (account_id, created_at_ms, id);
