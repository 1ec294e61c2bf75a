// What refunds read and write of purchases: which still hold credit no refund took back, and
// the credit each refund takes back of one (refunded_micros, never more than it granted).
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { rowToPurchase, type Purchase } from './purchases';

/** The account's purchases that still have credit no refund took back, oldest first. */
export async function listRefundablePurchases(db: Kysely<Database>, accountId: string): Promise<Purchase[]> {
  const rows = await db
    .selectFrom('purchases')
    .selectAll()
    .where('account_id', '=', accountId)
    .whereRef('refunded_micros', '<', 'credits_micros')
    .orderBy('created_at_ms')
    .orderBy('id')
    .execute();
  return rows.map(rowToPurchase);
}

/** Adds to what refunds took back of a purchase; false if that would exceed what it granted. */
export async function addRefundedCredit(trx: Transaction<Database>, purchaseId: string, creditsMicros: bigint): Promise<boolean> {
  const result = await trx
    .updateTable('purchases')
    .set((eb) => ({ refunded_micros: eb('refunded_micros', '+', creditsMicros) }))
    .where('id', '=', purchaseId)
    .where((eb) => eb(eb('refunded_micros', '+', creditsMicros), '<=', eb.ref('credits_micros')))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
