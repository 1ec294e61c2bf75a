// A refund item's way to Stripe and back: claimed by one sender at a time (like a refill
// attempt), submitted with its Stripe refund's id, confirmed by charge.refunded, or failed.
import type { Kysely, Transaction } from 'kysely';
import type { Database, RefundItemStatus } from '../db/schema';

export interface ItemKey {
  refundId: string;
  purchaseId: string;
}

/** Items waiting to be sent to Stripe, of one refund or of all. */
export async function listDueItems(db: Kysely<Database>, refundId: string | null, nowMs: number, limit: number): Promise<ItemKey[]> {
  let query = db
    .selectFrom('refund_items')
    .select(['refund_id', 'purchase_id'])
    .where('status', '=', 'pending')
    .where('submit_after_ms', '<=', BigInt(nowMs))
    .orderBy('submit_after_ms')
    .limit(limit);
  if (refundId !== null) query = query.where('refund_id', '=', refundId);
  return (await query.execute()).map((row) => ({ refundId: row.refund_id, purchaseId: row.purchase_id }));
}

/** Takes a due item for one call to Stripe; answers its number of calls so far, or null when another sender has it. */
export async function claimItem(db: Kysely<Database>, key: ItemKey, nowMs: number, claimUntilMs: number): Promise<number | null> {
  const result = await db
    .updateTable('refund_items')
    .set((eb) => ({ submit_tries: eb('submit_tries', '+', 1n), submit_after_ms: BigInt(claimUntilMs) }))
    .where('refund_id', '=', key.refundId)
    .where('purchase_id', '=', key.purchaseId)
    .where('status', '=', 'pending')
    .where('submit_after_ms', '<=', BigInt(nowMs))
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return null;
  const row = await db.selectFrom('refund_items').select('submit_tries').where('refund_id', '=', key.refundId).where('purchase_id', '=', key.purchaseId).executeTakeFirstOrThrow();
  return Number(row.submit_tries);
}

/** Moves an item from one of `from` to `status`; answers whether it moved. */
export async function moveItem(
  db: Kysely<Database> | Transaction<Database>,
  key: ItemKey,
  from: readonly RefundItemStatus[],
  change: { status: RefundItemStatus; stripeRefundId?: string | null; lastError?: string | null; submitAfterMs?: number | null },
): Promise<boolean> {
  const result = await db
    .updateTable('refund_items')
    .set((eb) => ({
      status: change.status,
      submit_after_ms: change.submitAfterMs === undefined || change.submitAfterMs === null ? null : BigInt(change.submitAfterMs),
      ...(change.stripeRefundId ? { stripe_refund_id: eb.fn.coalesce('stripe_refund_id', eb.val(change.stripeRefundId)) } : {}),
      ...(change.lastError !== undefined ? { last_error: change.lastError } : {}),
    }))
    .where('refund_id', '=', key.refundId)
    .where('purchase_id', '=', key.purchaseId)
    .where('status', 'in', [...from])
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** The open items of a purchase (sent or to send), oldest first: what a charge.refunded may confirm. */
export async function listOpenItemsOfPurchase(trx: Transaction<Database>, purchaseId: string) {
  return trx
    .selectFrom('refund_items')
    .select(['refund_id', 'purchase_id', 'amount_minor', 'stripe_refund_id', 'status'])
    .where('purchase_id', '=', purchaseId)
    .where('status', 'in', ['pending', 'submitted'])
    .orderBy('created_at_ms')
    .orderBy('refund_id')
    .execute();
}

/** Money of a purchase's refunds Stripe has confirmed, in cents. */
export async function confirmedMinorOfPurchase(trx: Transaction<Database>, purchaseId: string): Promise<bigint> {
  const rows = await trx.selectFrom('refund_items').select('amount_minor').where('purchase_id', '=', purchaseId).where('status', '=', 'succeeded').execute();
  return rows.reduce((sum, row) => sum + BigInt(row.amount_minor), 0n);
}
