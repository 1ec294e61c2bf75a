-- Charges are defined once, in src/ledger/charge-rows.ts, as rows; this function only applies
-- them (src/ledger/settlement-postgres.ts sends them as one JSON parameter). It replaces the
-- settlement function of 005, which built the hold, charge and lease rows itself. Generic plans,
-- because the one JSON parameter tells the planner nothing, and planning would cost more than
-- executing. Every update must find each of its rows: otherwise it raises, and nothing is written.
DROP FUNCTION inferport_settle_batch(text, bigint);

CREATE FUNCTION inferport_apply_charges(batch text) RETURNS void
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

  INSERT INTO holds (id, account_id, idempotency_key, amount_micros, allocations, status, posted_micros, expires_at_ms, created_at_ms, resolved_at_ms)
  SELECT id, account_id, idempotency_key, amount_micros, allocations, status, posted_micros, expires_at_ms, created_at_ms, resolved_at_ms
  FROM jsonb_populate_recordset(NULL::holds, j->'holds');

  INSERT INTO ledger_transactions (id, idempotency_key, fingerprint, kind, account_id, amount_micros, hold_id, memo, created_at_ms)
  SELECT id, idempotency_key, fingerprint, kind, account_id, amount_micros, hold_id, memo, created_at_ms
  FROM jsonb_populate_recordset(NULL::ledger_transactions, j->'transactions');

  INSERT INTO ledger_entries (transaction_id, book, ledger_account, account_id, amount_micros, created_at_ms)
  SELECT transaction_id, book, ledger_account, account_id, amount_micros, created_at_ms
  FROM jsonb_populate_recordset(NULL::ledger_entries, j->'entries');

  INSERT INTO usage_records (id, request_id, key_id, account_id, billing, endpoint, model, upstream, status_code, outcome, prompt_tokens, completion_tokens, usage_estimated, cost_micros, hold_id, latency_ms, ttft_ms, created_at_ms)
  SELECT id, request_id, key_id, account_id, billing, endpoint, model, upstream, status_code, outcome, prompt_tokens, completion_tokens, usage_estimated, cost_micros, hold_id, latency_ms, ttft_ms, created_at_ms
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
