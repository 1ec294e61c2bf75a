-- The cost console's rollups (issue 12), kept by the settlement batch that writes the usage
-- records: usage_daily (migration 017) and usage_top, per account and UTC day a superset of its 10
-- most expensive charged requests. The console's top-10 then reads at most a few dozen rows a day
-- instead of the window's records; a candidate is written only when it beats the day's 10th, so a
-- day of n requests adds about 10·ln(n/10) rows, not n index entries (src/usage/rollup.ts).
-- No foreign key to usage_records: the record is inserted by the same statement batch.
CREATE TABLE usage_top (
  account_id TEXT NOT NULL,
  day_index INTEGER NOT NULL,
  cost_micros INTEGER NOT NULL,
  record_id TEXT NOT NULL,
  PRIMARY KEY (account_id, day_index, cost_micros, record_id)
) WITHOUT ROWID;

-- Fill both from the records written before this migration (their rows were kept by no batch).
INSERT INTO usage_daily (account_id, day_index, model, upstream, requests, prompt_tokens, completion_tokens, cost_micros)
SELECT account_id, created_at_ms / 86400000, model, coalesce(upstream, ''), count(*), sum(prompt_tokens), sum(completion_tokens), sum(cost_micros)
FROM usage_records WHERE true GROUP BY 1, 2, 3, 4
ON CONFLICT DO NOTHING;
INSERT INTO usage_top (account_id, day_index, cost_micros, record_id)
SELECT account_id, day_index, cost_micros, id FROM (
  SELECT account_id, created_at_ms / 86400000 AS day_index, cost_micros, id,
    row_number() OVER (PARTITION BY account_id, created_at_ms / 86400000 ORDER BY cost_micros DESC, id DESC) AS rank
  FROM usage_records WHERE cost_micros > 0) AS ranked
WHERE rank <= 10;
