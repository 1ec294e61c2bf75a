// Read side of the ledger: wallet summaries and entry listings for the admin and console APIs.
import type { Kysely, Selectable } from 'kysely';
import type { Database, LedgerTransactionsTable } from '../db/schema';
import type { WalletSummary } from './model';
import { isExpired, rowToGrant } from './rows';

/**
 * `reserved` is all the credit of the wallet's live grants that is held against them: pending
 * holds plus every gateway process's open lease (credit carved into reservations of requests
 * in flight, and the lease's unused rest until it is given back or asked back). That is what
 * no other process can spend, so `available = balance - reserved` is what a new lease can take.
 */
export async function getWalletSummary(db: Kysely<Database>, accountId: string, nowMs: number): Promise<WalletSummary> {
  const rows = await db.selectFrom('grants').selectAll().where('account_id', '=', accountId).where('remaining_micros', '>', 0n).execute();
  let paidMicros = 0n;
  let promoMicros = 0n;
  let reservedMicros = 0n;
  for (const grant of rows.map(rowToGrant)) {
    if (isExpired(grant, nowMs)) continue;
    if (grant.kind === 'paid') paidMicros += grant.remainingMicros;
    else promoMicros += grant.remainingMicros;
    reservedMicros += grant.reservedMicros;
  }
  const balanceMicros = paidMicros + promoMicros;
  return { accountId, balanceMicros, paidMicros, promoMicros, reservedMicros, availableMicros: balanceMicros - reservedMicros };
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

/** Where a page starts: strictly after (older than) this transaction in (time, id) order. */
export interface LedgerPosition {
  createdAtMs: number;
  transactionId: string;
}

export interface LedgerPage {
  lines: LedgerLine[];
  hasMore: boolean;
}

/**
 * One page of an account's transactions, newest first, ordered by (created_at_ms, id): many
 * transactions share a millisecond (one settlement batch writes them together), so time alone
 * cannot say where a page ended. `beforeMs` keeps the older, time-only way in: it starts a page
 * at a moment, and `after` continues from the last line of the page before.
 */
export async function listLedger(
  db: Kysely<Database>,
  accountId: string,
  page: { limit: number; beforeMs: number | null; after: LedgerPosition | null },
): Promise<LedgerPage> {
  let query = db
    .selectFrom('ledger_transactions')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('created_at_ms', 'desc')
    .orderBy('id', 'desc')
    // One row more than asked says whether another page exists.
    .limit(page.limit + 1);
  if (page.beforeMs !== null) query = query.where('created_at_ms', '<', BigInt(page.beforeMs));
  const after = page.after;
  if (after !== null) {
    const atMs = BigInt(after.createdAtMs);
    query = query.where((eb) =>
      eb.or([eb('created_at_ms', '<', atMs), eb.and([eb('created_at_ms', '=', atMs), eb('id', '<', after.transactionId)])]),
    );
  }
  const rows = await query.execute();
  const hasMore = rows.length > page.limit;
  return { lines: await toLedgerLines(db, rows.slice(0, page.limit)), hasMore };
}

async function toLedgerLines(db: Kysely<Database>, transactions: Selectable<LedgerTransactionsTable>[]): Promise<LedgerLine[]> {
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
