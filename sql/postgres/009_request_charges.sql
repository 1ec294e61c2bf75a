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
-- reserved from a lease has none now) and with the request rows' charge columns.
CREATE OR REPLACE FUNCTION inferport_apply_charges(batch text) RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  j jsonb := batch::jsonb;
  changed bigint;
BEGIN
  -- Wallets first: every ledger write locks the wallet before its grants.
  UPDATE wallets SET balance_micros = balance_micros - d.spent_micros, reserved_micros = reserved_micros - d.released_micros, updated_at_ms = d.updated_at_ms
  FROM jsonb_to_recordset(j->'wallets') AS d(account_id text, spent_micros bigint, released_micros bigint, updated_at_ms bigint)
  WHERE wallets.account_id = d.account_id;
  GET DIAGNOSTICS changed = ROW_COUNT;
  IF changed <> jsonb_array_length(j->'wallets') THEN
    RAISE EXCEPTION 'charge rows: % of % wallets found', changed, jsonb_array_length(j->'wallets');
  END IF;

  -- Leases next, before anything is drawn: a lease the sweeper closed gave its credit back, and
  -- drawing on it would take that credit twice.
  UPDATE leases SET amount_micros = amount_micros - d.drawn_micros, captured_micros = captured_micros + d.drawn_micros,
    allocations = d.allocations, expires_at_ms = d.expires_at_ms, updated_at_ms = d.updated_at_ms
  FROM jsonb_to_recordset(j->'leases') AS d(id text, drawn_micros bigint, allocations text, expires_at_ms bigint, updated_at_ms bigint)
  WHERE leases.id = d.id AND leases.status = 'open';
  GET DIAGNOSTICS changed = ROW_COUNT;
  IF changed <> jsonb_array_length(j->'leases') THEN
    RAISE EXCEPTION 'charge rows: % of % leases still open', changed, jsonb_array_length(j->'leases');
  END IF;

  UPDATE holds SET status = d.status, posted_micros = d.posted_micros, resolved_at_ms = d.resolved_at_ms
  FROM jsonb_to_recordset(j->'holdResolutions') AS d(id text, status text, posted_micros bigint, resolved_at_ms bigint)
  WHERE holds.id = d.id AND holds.status = 'pending';
  GET DIAGNOSTICS changed = ROW_COUNT;
  IF changed <> jsonb_array_length(j->'holdResolutions') THEN
    RAISE EXCEPTION 'charge rows: % of % holds still pending', changed, jsonb_array_length(j->'holdResolutions');
  END IF;

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

  UPDATE grants SET remaining_micros = remaining_micros - d.spent_micros, reserved_micros = reserved_micros - d.released_micros
  FROM jsonb_to_recordset(j->'grants') AS d(id text, spent_micros bigint, released_micros bigint)
  WHERE grants.id = d.id;
  GET DIAGNOSTICS changed = ROW_COUNT;
  IF changed <> jsonb_array_length(j->'grants') THEN
    RAISE EXCEPTION 'charge rows: % of % grants found', changed, jsonb_array_length(j->'grants');
  END IF;
END
$$;
