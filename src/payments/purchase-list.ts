// An account's purchases with their receipts, newest first, a page at a time (GET /console/purchases).
import type { Kysely } from 'kysely';
import type { Database, ReceiptStatus } from '../db/schema';
import { rowToPurchase, type Purchase } from './purchases';

export interface PurchaseLine extends Purchase {
  receipt: { status: ReceiptStatus; recipient: string | null; sentAtMs: number | null } | null;
}

/** A page position: the last purchase of the previous page, by the columns the listing is ordered by. */
export interface PurchasesAfter {
  createdAtMs: number;
  id: string;
}

export async function listAccountPurchases(db: Kysely<Database>, accountId: string, page: { limit: number; after: PurchasesAfter | null }): Promise<{ lines: PurchaseLine[]; hasMore: boolean }> {
  let query = db
    .selectFrom('purchases')
    .leftJoin('receipts', 'receipts.purchase_id', 'purchases.id')
    .selectAll('purchases')
    .select(['receipts.status as receipt_status', 'receipts.recipient as receipt_recipient', 'receipts.sent_at_ms as receipt_sent_at_ms'])
    .where('purchases.account_id', '=', accountId);
  if (page.after) {
    const { createdAtMs, id } = page.after;
    query = query.where((eb) => eb.or([eb('purchases.created_at_ms', '<', BigInt(createdAtMs)), eb.and([eb('purchases.created_at_ms', '=', BigInt(createdAtMs)), eb('purchases.id', '<', id)])]));
  }
  const rows = await query.orderBy('purchases.created_at_ms', 'desc').orderBy('purchases.id', 'desc').limit(page.limit + 1).execute();
  const lines = rows.slice(0, page.limit).map((row) => ({
    ...rowToPurchase(row),
    receipt: row.receipt_status === null ? null : { status: row.receipt_status, recipient: row.receipt_recipient, sentAtMs: row.receipt_sent_at_ms === null ? null : Number(row.receipt_sent_at_ms) },
  }));
  return { lines, hasMore: rows.length > page.limit };
}
