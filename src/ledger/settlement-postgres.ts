// The Postgres form of a settlement batch: one statement of data-modifying CTEs fed by a single
// JSON parameter, so a batch costs one round trip and one commit whatever its size. The wallet
// update comes first and every other part waits on it (they read its row count), so the batch
// takes the wallet row locks before the grant rows, as every other ledger write does.
import type { SQL } from 'bun';

export interface PostgresBatch {
  wallets: { account_id: string; total: string }[];
  holds: Record<string, string | null>[];
  transactions: Record<string, string | null>[];
  entries: Record<string, string>[];
  usage: Record<string, string | number | null>[];
  grants: { id: string; micros: string }[];
  leases: { id: string; drawn: string; allocations: string; expires_at_ms: string; updated_at_ms: string }[];
}

const BATCH_STATEMENT = `WITH
  p AS (SELECT $1::text::jsonb AS j),
  w AS (
    UPDATE wallets SET balance_micros = balance_micros - d.total, updated_at_ms = $2::bigint
    FROM jsonb_to_recordset((SELECT j->'wallets' FROM p)) AS d(account_id text, total bigint)
    WHERE wallets.account_id = d.account_id
    RETURNING wallets.account_id),
  h AS (
    INSERT INTO holds (id, account_id, idempotency_key, amount_micros, allocations, status, posted_micros, expires_at_ms, created_at_ms, resolved_at_ms)
    SELECT id, account_id, idempotency_key, amount_micros, '[]', status, posted_micros, $2::bigint, created_at_ms, $2::bigint
    FROM jsonb_to_recordset((SELECT j->'holds' FROM p))
      AS d(id text, account_id text, idempotency_key text, amount_micros bigint, status text, posted_micros bigint, created_at_ms bigint)
    WHERE (SELECT count(*) FROM w) >= 0
    RETURNING id),
  t AS (
    INSERT INTO ledger_transactions (id, idempotency_key, fingerprint, kind, account_id, amount_micros, hold_id, memo, created_at_ms)
    SELECT id, idempotency_key, fingerprint, 'charge', account_id, amount_micros, hold_id, memo, $2::bigint
    FROM jsonb_to_recordset((SELECT j->'transactions' FROM p))
      AS d(id text, idempotency_key text, fingerprint text, account_id text, amount_micros bigint, hold_id text, memo text)
    WHERE (SELECT count(*) FROM w) >= 0
    RETURNING id),
  e AS (
    INSERT INTO ledger_entries (transaction_id, book, ledger_account, account_id, amount_micros, created_at_ms)
    SELECT transaction_id, book, ledger_account, account_id, amount_micros, $2::bigint
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
SELECT (SELECT count(*) FROM w) AS wallets, (SELECT count(*) FROM h) AS holds, (SELECT count(*) FROM t) AS transactions,
  (SELECT count(*) FROM e) AS entries, (SELECT count(*) FROM u) AS usage, (SELECT count(*) FROM g) AS grants, (SELECT count(*) FROM l) AS leases`;

/** Runs the batch; throws unless every row it names was written. */
export async function runPostgresBatch(client: SQL, batch: PostgresBatch, nowMs: number): Promise<void> {
  const rows = (await client.unsafe(BATCH_STATEMENT, [JSON.stringify(batch), String(nowMs)])) as Record<string, bigint>[];
  const counts = rows[0]!;
  const expected: Record<string, number> = {
    wallets: batch.wallets.length,
    holds: batch.holds.length,
    transactions: batch.transactions.length,
    entries: batch.entries.length,
    usage: batch.usage.length,
    grants: batch.grants.length,
    leases: batch.leases.length,
  };
  for (const [name, count] of Object.entries(expected)) {
    // The statement has committed by now; a short count means a row it had to update was gone,
    // which the ledger's own rules make impossible. Fail loudly rather than answer as if paid.
    if (Number(counts[name]) !== count) throw new Error(`settlement batch wrote ${counts[name]} ${name}, expected ${count}`);
  }
}
