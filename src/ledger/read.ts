// Read side of the ledger: wallet summaries and entry listings for the admin and console APIs.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { WalletSummary } from './model';
import { isExpired, rowToGrant } from './rows';

export async function getWalletSummary(db: Kysely<Database>, accountId: string, nowMs: number): Promise<WalletSummary> {
  const [rows, wallet] = await Promise.all([
    db.selectFrom('grants').selectAll().where('account_id', '=', accountId).where('remaining_micros', '>', 0n).execute(),
    db.selectFrom('wallets').select('reserved_micros').where('account_id', '=', accountId).executeTakeFirst(),
  ]);
  let paidMicros = 0n;
  let promoMicros = 0n;
  let liveReservedMicros = 0n;
  for (const grant of rows.map(rowToGrant)) {
    if (isExpired(grant, nowMs)) continue;
    if (grant.kind === 'paid') paidMicros += grant.remainingMicros;
    else promoMicros += grant.remainingMicros;
    liveReservedMicros += grant.reservedMicros;
  }
  const balanceMicros = paidMicros + promoMicros;
  return {
    accountId,
    balanceMicros,
    paidMicros,
    promoMicros,
    reservedMicros: wallet ? BigInt(wallet.reserved_micros) : 0n,
    availableMicros: balanceMicros - liveReservedMicros,
  };
}

export interface LedgerLine {
  transactionId: string;
  kind: string;
  amountMicros: bigint;
  /** Signed change of the wallet's balance. */
  balanceChangeMicros: bigint;
  holdId: string | null;
  memo: string | null;
  createdAtMs: number;
}

export async function listLedger(
  db: Kysely<Database>,
  accountId: string,
  page: { limit: number; beforeMs: number | null },
): Promise<LedgerLine[]> {
  let query = db
    .selectFrom('ledger_transactions')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('created_at_ms', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit);
  if (page.beforeMs !== null) query = query.where('created_at_ms', '<', BigInt(page.beforeMs));
  const transactions = await query.execute();
  if (transactions.length === 0) return [];
  const sums = await db
    .selectFrom('ledger_entries')
    .select(['transaction_id', (eb) => eb.fn.sum<bigint>('amount_micros').as('change')])
    .where('transaction_id', 'in', transactions.map((row) => row.id))
    .where('book', '=', 'grant')
    .groupBy('transaction_id')
    .execute();
  const changeById = new Map(sums.map((row) => [row.transaction_id, BigInt(row.change)]));
  return transactions.map((row) => ({
    transactionId: row.id,
    kind: row.kind,
    amountMicros: BigInt(row.amount_micros),
    balanceChangeMicros: changeById.get(row.id) ?? 0n,
    holdId: row.hold_id,
    memo: row.memo,
    createdAtMs: Number(row.created_at_ms),
  }));
}
