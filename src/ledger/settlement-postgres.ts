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

// The statement itself lives in sql/postgres/005_settlement_function.sql, as a plpgsql function
// whose plan Postgres caches per connection (planning it cost twice its execution).
const BATCH_STATEMENT = `SELECT n_wallets AS wallets, n_holds AS holds, n_transactions AS transactions, n_entries AS entries,
  n_usage AS usage, n_grants AS grants, n_leases AS leases FROM inferport_settle_batch($1::text, $2::bigint)`;

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
