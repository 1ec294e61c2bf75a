// The ledger's pages (admin and console): transactions, and the requests a batch transaction
// carries as lines of their own, in one (time, id) order that a cursor can resume exactly.
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../db/schema';

export interface LedgerLine {
  /** The transaction's id, or for a request settled in a batch, its usage record's id. */
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
 * One page of an account's ledger, newest first, ordered by (created_at_ms, id). A request
 * settled in a batch shows as its own charge line, from its request row (id: the usage record's
 * id, time: the request's), as an account owner reads a bill; the batch transaction that carries
 * the money of many requests is not listed itself. Everything else is one line per transaction.
 * Many lines share a millisecond, so time alone cannot say where a page ended. `beforeMs` keeps
 * the older, time-only way in: it starts a page at a moment, and `after` continues from the last
 * line of the page before.
 */
export async function listLedger(
  db: Kysely<Database>,
  accountId: string,
  page: { limit: number; beforeMs: number | null; after: LedgerPosition | null },
): Promise<LedgerPage> {
  const startAt = <Q extends SelectQueryBuilder<Database, 'ledger_transactions' | 'usage_records', object>>(query: Q): Q => {
    let out = query;
    if (page.beforeMs !== null) out = out.where('created_at_ms', '<', BigInt(page.beforeMs)) as Q;
    const after = page.after;
    if (after !== null) {
      const atMs = BigInt(after.createdAtMs);
      out = out.where((eb) => eb.or([eb('created_at_ms', '<', atMs), eb.and([eb('created_at_ms', '=', atMs), eb('id', '<', after.transactionId)])])) as Q;
    }
    return out;
  };
  const transactions = startAt(
    db
      .selectFrom('ledger_transactions')
      .select(['id', 'kind', 'amount_micros', 'hold_id', 'memo', 'created_at_ms', sql<number>`0`.as('from_request')])
      .where('account_id', '=', accountId)
      .where('request_count', 'is', null),
  );
  const requests = startAt(
    db
      .selectFrom('usage_records')
      .select(['id', sql<string>`'charge'`.as('kind'), 'cost_micros as amount_micros', 'hold_id', sql<string>`endpoint || ' ' || model`.as('memo'), 'created_at_ms', sql<number>`1`.as('from_request')])
      .where('account_id', '=', accountId)
      .where('charge_status', '=', 'posted'),
  );
  const rows = await db
    .selectFrom(transactions.unionAll(requests as never).as('lines'))
    .selectAll()
    .orderBy('created_at_ms', 'desc')
    .orderBy('id', 'desc')
    // One row more than asked says whether another page exists.
    .limit(page.limit + 1)
    .execute();
  const hasMore = rows.length > page.limit;
  return { lines: await toLedgerLines(db, rows.slice(0, page.limit)), hasMore };
}

interface LineRow {
  id: string;
  kind: string;
  amount_micros: bigint;
  hold_id: string | null;
  memo: string | null;
  created_at_ms: bigint;
  from_request: number;
}

async function toLedgerLines(db: Kysely<Database>, lines: LineRow[]): Promise<LedgerLine[]> {
  if (lines.length === 0) return [];
  const transactionIds = lines.filter((row) => Number(row.from_request) === 0).map((row) => row.id);
  const sums =
    transactionIds.length === 0
      ? []
      : await db
          .selectFrom('ledger_entries')
          .select(['transaction_id', (eb) => eb.fn.sum<bigint>('amount_micros').as('change')])
          .where('transaction_id', 'in', transactionIds)
          .where('book', '=', 'grant')
          .groupBy('transaction_id')
          .execute();
  const changeById = new Map(sums.map((row) => [row.transaction_id, BigInt(row.change)]));
  return lines.map((row) => ({
    transactionId: row.id,
    kind: row.kind,
    amountMicros: BigInt(row.amount_micros),
    // A request's charge takes its cost from the wallet's grants.
    balanceChangeMicros: Number(row.from_request) === 1 ? -BigInt(row.amount_micros) : (changeById.get(row.id) ?? 0n),
    holdId: row.hold_id,
    memo: row.memo,
    createdAtMs: Number(row.created_at_ms),
  }));
}
