// The incremental auditor's global invariants, each answered by the database in one statement:
// the wallet side of all entries equals the sum of all balances and of all grants' remaining
// amounts; no wallet is negative; each wallet's reserved figure equals its pending holds (a
// small, indexed set). They catch a change made outside the ledger that no new entry touched.
import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema';
import type { Checkpoint, NewEntry } from './checkpoint';

/** A run reports at most this many problems of each kind: enough to act on, bounded in memory. */
export const PROBLEMS_MAX = 100;

export async function checkTotals(trx: Transaction<Database>, checkpoint: Checkpoint, entries: NewEntry[]): Promise<string[]> {
  const problems: string[] = [];
  const entered = entries.reduce((sum, entry) => sum + entry.amountMicros, checkpoint.grantBookMicros);
  const totals = await sql<{ balances: bigint | null; grants: bigint | null }>`
    SELECT (SELECT SUM(balance_micros) FROM wallets) AS balances, (SELECT SUM(remaining_micros) FROM grants) AS grants`.execute(trx);
  const balances = BigInt(totals.rows[0]?.balances ?? 0);
  const grants = BigInt(totals.rows[0]?.grants ?? 0);
  const hint = ' (a change outside the ledger, or an entry the checkpoint skipped: run inferport audit --full)';
  if (balances !== entered) problems.push(`all wallet balances sum to ${balances}, the wallet-side entries to ${entered}${hint}`);
  if (grants !== entered) problems.push(`all grants' remaining amounts sum to ${grants}, the wallet-side entries to ${entered}${hint}`);
  const negative = await trx.selectFrom('wallets').select(['account_id', 'balance_micros']).where('balance_micros', '<', 0n).limit(PROBLEMS_MAX).execute();
  for (const row of negative) problems.push(`wallet ${row.account_id} balance is negative: ${row.balance_micros}`);
  // Pending holds are few and indexed (holds_pending_idx); the comparison runs in the database.
  const reserved = await sql<{ account_id: string; reserved_micros: bigint; held: bigint | null }>`
    SELECT w.account_id, w.reserved_micros, h.held FROM wallets w
    LEFT JOIN (SELECT account_id, SUM(amount_micros) AS held FROM holds WHERE status = 'pending' GROUP BY account_id) h ON h.account_id = w.account_id
    WHERE w.reserved_micros <> COALESCE(h.held, 0) LIMIT ${PROBLEMS_MAX}`.execute(trx);
  for (const row of reserved.rows) problems.push(`wallet ${row.account_id} reserved ${row.reserved_micros} != pending holds ${row.held ?? 0}`);
  return problems;
}
