-- The gateway's settlement batch (see src/ledger/settlement-postgres.ts) as a function, so that
-- Postgres plans it once per connection instead of on every batch: planning this statement cost
-- twice its execution. Generic plans, because the one JSON parameter tells the planner nothing.
CREATE FUNCTION inferport_settle_batch(batch text, now_ms bigint)
RETURNS TABLE (n_wallets bigint, n_holds bigint, n_transactions bigint, n_entries bigint, n_usage bigint, n_grants bigint, n_leases bigint)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN QUERY
    WITH
      p AS (SELECT batch::jsonb AS j),
      w AS (
        UPDATE wallets SET balance_micros = balance_micros - d.total, updated_at_ms = now_ms
        FROM jsonb_to_recordset((SELECT j->'wallets' FROM p)) AS d(account_id text, total bigint)
        WHERE wallets.account_id = d.account_id
        RETURNING wallets.account_id),
      h AS (
        INSERT INTO holds (id, account_id, idempotency_key, amount_micros, allocations, status, posted_micros, expires_at_ms, created_at_ms, resolved_at_ms)
        SELECT id, account_id, idempotency_key, amount_micros, '[]', status, posted_micros, now_ms, created_at_ms, now_ms
        FROM jsonb_to_recordset((SELECT j->'holds' FROM p))
          AS d(id text, account_id text, idempotency_key text, amount_micros bigint, status text, posted_micros bigint, created_at_ms bigint)
        WHERE (SELECT count(*) FROM w) >= 0
        RETURNING id),
      t AS (
        INSERT INTO ledger_transactions (id, idempotency_key, fingerprint, kind, account_id, amount_micros, hold_id, memo, created_at_ms)
        SELECT id, idempotency_key, fingerprint, 'charge', account_id, amount_micros, hold_id, memo, now_ms
        FROM jsonb_to_recordset((SELECT j->'transactions' FROM p))
          AS d(id text, idempotency_key text, fingerprint text, account_id text, amount_micros bigint, hold_id text, memo text)
        WHERE (SELECT count(*) FROM w) >= 0
        RETURNING id),
      e AS (
        INSERT INTO ledger_entries (transaction_id, book, ledger_account, account_id, amount_micros, created_at_ms)
        SELECT transaction_id, book, ledger_account, account_id, amount_micros, now_ms
        FROM jsonb_to_recordset((SELECT j->'entries' FROM p))
          AS d(transaction_id text, book text, ledger_account text, account_id text, amount_micros bigint)
        WHERE (SELECT count(*) FROM w) >= 0
        RETURNING id),
      u AS (
        INSERT INTO usage_records (id, request_id, key_id, account_id, billing, endpoint, model, upstream, status_code, outcome, prompt_tokens, completion_tokens, usage_estimated, cost_micros, hold_id, latency_ms, ttft_ms, created_at_ms)
        SELECT id, request_id, key_id, account_id, billing, endpoint, model, upstream, status_code, outcome, prompt_tokens, completion_tokens, usage_estimated, cost_micros, hold_id, latency_ms, ttft_ms, created_at_ms
        FROM jsonb_to_recordset((SELECT j->'usage' FROM p))
          AS d(id text, request_id text, key_id text, account_id text, billing text, endpoint text, model text, upstream text, status_code integer, outcome text,
               prompt_tokens bigint, completion_tokens bigint, usage_estimated integer, cost_micros bigint, hold_id text, latency_ms integer, ttft_ms integer, created_at_ms bigint)
        WHERE (SELECT count(*) FROM h) >= 0
        RETURNING id),
      g AS (
        UPDATE grants SET remaining_micros = remaining_micros - d.micros, reserved_micros = reserved_micros - d.micros
        FROM jsonb_to_recordset((SELECT j->'grants' FROM p)) AS d(id text, micros bigint)
        WHERE grants.id = d.id AND (SELECT count(*) FROM w) >= 0
        RETURNING grants.id),
      l AS (
        UPDATE leases SET amount_micros = amount_micros - d.drawn, captured_micros = captured_micros + d.drawn,
          allocations = CASE WHEN status = 'open' THEN d.allocations ELSE leases.allocations END,
          expires_at_ms = d.expires_at_ms, updated_at_ms = d.updated_at_ms
        FROM jsonb_to_recordset((SELECT j->'leases' FROM p)) AS d(id text, drawn bigint, allocations text, expires_at_ms bigint, updated_at_ms bigint)
        WHERE leases.id = d.id AND (SELECT count(*) FROM w) >= 0
        RETURNING leases.id)
    SELECT (SELECT count(*) FROM w), (SELECT count(*) FROM h), (SELECT count(*) FROM t),
      (SELECT count(*) FROM e), (SELECT count(*) FROM u), (SELECT count(*) FROM g), (SELECT count(*) FROM l);
END
$$;
