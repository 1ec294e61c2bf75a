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

-- Applies charge rows as 007's function did, without the per-request hold rows (a request
-- reserved from a lease has none now) and with the request rows' charge columns. Wallets,
-- leases, holds and grants are updated one row at a time by primary key: a batch touches a few
-- of each, and 007's UPDATE ... FROM jsonb_to_recordset had a generic plan that hash-joined a
-- sequential scan of the whole wallets and grants tables, a cost growing with every account.
CREATE OR REPLACE FUNCTION inferport_apply_charges(batch text) RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  j jsonb := batch::jsonb;
  w record;
BEGIN
  -- Wallets first: every ledger write locks the wallet before its grants.
  FOR w IN SELECT * FROM jsonb_to_recordset(j->'wallets') AS d(account_id text, spent_micros bigint, released_micros bigint, updated_at_ms bigint) LOOP
    UPDATE wallets SET balance_micros = balance_micros - w.spent_micros, reserved_micros = reserved_micros - w.released_micros, updated_at_ms = w.updated_at_ms
    WHERE account_id = w.account_id;
    IF NOT FOUND THEN RAISE EXCEPTION 'charge rows: wallet % not found', w.account_id; END IF;
  END LOOP;

  -- Leases next, before anything is drawn: a lease the sweeper closed gave its credit back, and
  -- drawing on it would take that credit twice.
  FOR w IN SELECT * FROM jsonb_to_recordset(j->'leases') AS d(id text, drawn_micros bigint, allocations text, expires_at_ms bigint, updated_at_ms bigint) LOOP
    UPDATE leases SET amount_micros = amount_micros - w.drawn_micros, captured_micros = captured_micros + w.drawn_micros,
      allocations = w.allocations, expires_at_ms = w.expires_at_ms, updated_at_ms = w.updated_at_ms
    WHERE id = w.id AND status = 'open';
    IF NOT FOUND THEN RAISE EXCEPTION 'charge rows: lease % not open', w.id; END IF;
  END LOOP;

  FOR w IN SELECT * FROM jsonb_to_recordset(j->'holdResolutions') AS d(id text, status text, posted_micros bigint, resolved_at_ms bigint) LOOP
    UPDATE holds SET status = w.status, posted_micros = w.posted_micros, resolved_at_ms = w.resolved_at_ms
    WHERE id = w.id AND status = 'pending';
    IF NOT FOUND THEN RAISE EXCEPTION 'charge rows: hold % not pending', w.id; END IF;
  END LOOP;

  INSERT INTO ledger_transactions (id, idempotency_key, fingerprint, kind, account_id, amount_micros, hold_id, memo, created_at_ms, request_count)
  SELECT id, idempotency_key, fingerprint, kind, account_id, amount_micros, hold_id, memo, created_at_ms, request_count
  FROM jsonb_populate_recordset(NULL::ledger_transactions, j->'transactions');

  INSERT INTO ledger_entries (transaction_id, book, ledger_account, account_id, amount_micros, created_at_ms)
  SELECT transaction_id, book, ledger_account, account_id, amount_micros, created_at_ms
  FROM jsonb_populate_recordset(NULL::ledger_entries, j->'entries');

  INSERT INTO usage_records (id, request_id, key_id, account_id, billing, endpoint, model, upstream, status_code, outcome, prompt_tokens, completion_tokens, usage_estimated, cost_micros, hold_id, latency_ms, ttft_ms, created_at_ms,
    charge_status, reserved_micros, draws, transaction_id)
  SELECT id, request_id, key_id, account_id, billing, endpoint, model, upstream, status_code, outcome, prompt_tokens, completion_tokens, usage_estimated, cost_micros, hold_id, latency_ms, ttft_ms, created_at_ms,
    charge_status, reserved_micros, draws, transaction_id
  FROM jsonb_populate_recordset(NULL::usage_records, j->'usage');

  FOR w IN SELECT * FROM jsonb_to_recordset(j->'grants') AS d(id text, spent_micros bigint, released_micros bigint) LOOP
    UPDATE grants SET remaining_micros = remaining_micros - w.spent_micros, reserved_micros = reserved_micros - w.released_micros
    WHERE id = w.id;
    IF NOT FOUND THEN RAISE EXCEPTION 'charge rows: grant % not found', w.id; END IF;
  END LOOP;
END
$$;
