-- The cost console's rollups (issue 12), kept by the settlement batch that writes the usage
-- records: usage_daily (migration 017) and usage_top, per account and UTC day a superset of its 10
-- most expensive charged requests. The console's top-10 then reads at most a few dozen rows a day
-- instead of the window's records; a candidate is written only when it beats the day's 10th, so a
-- day of n requests adds about 10·ln(n/10) rows, not n index entries (src/usage/rollup.ts).
-- record_id compares bytewise ("C") so the database ranks ties as the batch builder does. No
-- foreign key to usage_records: the record is inserted by the same statement batch, and the check
-- would cost an index probe per row.
CREATE TABLE usage_top (
  account_id text NOT NULL,
  day_index bigint NOT NULL,
  cost_micros bigint NOT NULL,
  record_id text COLLATE "C" NOT NULL,
  PRIMARY KEY (account_id, day_index, cost_micros, record_id)
);

-- Fill both from the records written before this migration (their rows were kept by no batch).
INSERT INTO usage_daily (account_id, day_index, model, upstream, requests, prompt_tokens, completion_tokens, cost_micros)
SELECT account_id, floor(created_at_ms / 86400000.0)::bigint, model, coalesce(upstream, ''), count(*), sum(prompt_tokens), sum(completion_tokens), sum(cost_micros)
FROM usage_records GROUP BY 1, 2, 3, 4
ON CONFLICT DO NOTHING;
INSERT INTO usage_top (account_id, day_index, cost_micros, record_id)
SELECT account_id, day_index, cost_micros, id FROM (
  SELECT account_id, floor(created_at_ms / 86400000.0)::bigint AS day_index, cost_micros, id,
    row_number() OVER (PARTITION BY account_id, floor(created_at_ms / 86400000.0) ORDER BY cost_micros DESC, id COLLATE "C" DESC) AS rank
  FROM usage_records WHERE cost_micros > 0) AS ranked
WHERE rank <= 10;

-- 009's function, plus the two rollup statements after the usage records' insert.
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

  -- The console's rollups (src/usage/rollup.ts), summed per key by the caller: one upsert row
  -- per (account, day, model, upstream), in key order, so no row is touched twice.
  INSERT INTO usage_daily AS d (account_id, day_index, model, upstream, requests, prompt_tokens, completion_tokens, cost_micros)
  SELECT account_id, day_index, model, upstream, requests, prompt_tokens, completion_tokens, cost_micros
  FROM jsonb_populate_recordset(NULL::usage_daily, j->'usageDaily')
  ON CONFLICT (account_id, day_index, model, upstream) DO UPDATE SET
    requests = d.requests + excluded.requests, prompt_tokens = d.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = d.completion_tokens + excluded.completion_tokens, cost_micros = d.cost_micros + excluded.cost_micros;

  -- A day's candidate enters usage_top only when fewer than 10 kept requests of its day beat it.
  IF j->'usageTop' <> '[]'::jsonb THEN
    INSERT INTO usage_top (account_id, day_index, cost_micros, record_id)
    SELECT c.account_id, c.day_index, c.cost_micros, c.record_id
    FROM jsonb_populate_recordset(NULL::usage_top, j->'usageTop') AS c
    WHERE (SELECT count(*) FROM (
      SELECT 1 FROM usage_top t
      WHERE t.account_id = c.account_id AND t.day_index = c.day_index AND (t.cost_micros, t.record_id) > (c.cost_micros, c.record_id)
      LIMIT 10) AS beaten) < 10;
  END IF;

  FOR w IN SELECT * FROM jsonb_to_recordset(j->'grants') AS d(id text, spent_micros bigint, released_micros bigint) LOOP
    UPDATE grants SET remaining_micros = remaining_micros - w.spent_micros, reserved_micros = reserved_micros - w.released_micros
    WHERE id = w.id;
    IF NOT FOUND THEN RAISE EXCEPTION 'charge rows: grant % not found', w.id; END IF;
  END LOOP;
END
$$;
