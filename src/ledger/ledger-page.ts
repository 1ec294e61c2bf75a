// The ledger's lines (admin and console pages, and the CSV export): transactions, and the
// requests a batch transaction carries as lines of their own, in one (time, id) order that a
// cursor can resume exactly, newest first for pages or oldest first for exports.
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../db/schema';
import { toLedgerLines, type LedgerLine } from './ledger-lines';

export type { LedgerLine };

/** Where a page starts: strictly past this line in the listing's order. */
export interface LedgerPosition {
  createdAtMs: number;
  transactionId: string;
}

export interface LedgerPage {
  lines: LedgerLine[];
  hasMore: boolean;
}

/** Which lines, in which order: a time window [fromMs, beforeMs), and a position to go on from. */
export interface LedgerWindow {
  limit: number;
  /** 'desc': newest first (the pages); 'asc': oldest first (the export). */
  order: 'asc' | 'desc';
  /** Only lines at or after this moment. */
  fromMs: number | null;
  /** Only lines strictly before this moment. */
  beforeMs: number | null;
  after: LedgerPosition | null;
}

/**
 * One page of an account's ledger, newest first, ordered by (created_at_ms, id). `beforeMs`
 * keeps the older, time-only way in: it starts a page at a moment, and `after` continues from
 * the last line of the page before.
 */
export function listLedger(
  db: Kysely<Database>,
  accountId: string,
  page: { limit: number; beforeMs: number | null; after: LedgerPosition | null },
): Promise<LedgerPage> {
  return readLedgerLines(db, accountId, { ...page, order: 'desc', fromMs: null });
}

/**
 * The account's ledger lines in a window. A request settled in a batch shows as its own charge
 * line, from its request row (id: the usage record's id, time: the request's), as an account
 * owner reads a bill; the batch transaction that carries the money of many requests is not
 * listed itself. Everything else is one line per transaction. Many lines share a millisecond,
 * so time alone cannot say where a page ended: the id breaks ties.
 */
export async function readLedgerLines(db: Kysely<Database>, accountId: string, window: LedgerWindow): Promise<LedgerPage> {
  const past = window.order === 'desc' ? '<' : '>';
  const within = <Q extends SelectQueryBuilder<Database, 'ledger_transactions' | 'usage_records', object>>(query: Q): Q => {
    let out = query;
    if (window.fromMs !== null) out = out.where('created_at_ms', '>=', BigInt(window.fromMs)) as Q;
    if (window.beforeMs !== null) out = out.where('created_at_ms', '<', BigInt(window.beforeMs)) as Q;
    const after = window.after;
    if (after !== null) {
      const atMs = BigInt(after.createdAtMs);
      out = out.where((eb) => eb.or([eb('created_at_ms', past, atMs), eb.and([eb('created_at_ms', '=', atMs), eb('id', past, after.transactionId)])])) as Q;
    }
    return out;
  };
  const transactions = within(
    db
      .selectFrom('ledger_transactions')
      .select(['id', 'kind', 'amount_micros', 'hold_id', 'memo', 'created_at_ms', sql<number>`0`.as('from_request'), sql<string>`'[]'`.as('draws')])
      .where('account_id', '=', accountId)
      .where('request_count', 'is', null),
  );
  const requests = within(
    db
      .selectFrom('usage_records')
      .select(['id', sql<string>`'charge'`.as('kind'), 'cost_micros as amount_micros', 'hold_id', sql<string>`endpoint || ' ' || model`.as('memo'), 'created_at_ms', sql<number>`1`.as('from_request'), 'draws'])
      .where('account_id', '=', accountId)
      .where('charge_status', '=', 'posted'),
  );
  const rows = await db
    .selectFrom(transactions.unionAll(requests as never).as('lines'))
    .selectAll()
    .orderBy('created_at_ms', window.order)
    .orderBy('id', window.order)
    // One row more than asked says whether another page exists.
    .limit(window.limit + 1)
    .execute();
  const hasMore = rows.length > window.limit;
  return { lines: await toLedgerLines(db, rows.slice(0, window.limit)), hasMore };
}
