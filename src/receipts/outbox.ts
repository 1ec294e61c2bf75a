// The table receipts: one row per purchase, written in the purchase's transaction, then
// claimed, mailed and marked by the sender (sender.ts). Plain functions over the db handle.
import type { Kysely, Transaction, Updateable } from 'kysely';
import type { Database, ReceiptsTable, ReceiptStatus } from '../db/schema';
import type { ReceiptFacts } from './message';

/** Records the receipt of a purchase just made, due at once. */
export async function recordReceipt(trx: Transaction<Database>, purchase: { id: string; accountId: string }, nowMs: number): Promise<void> {
  await trx
    .insertInto('receipts')
    .values({
      purchase_id: purchase.id,
      account_id: purchase.accountId,
      status: 'pending',
      attempts: 0n,
      next_attempt_at_ms: BigInt(nowMs),
      last_error: null,
      recipient: null,
      sent_at_ms: null,
      created_at_ms: BigInt(nowMs),
    })
    .execute();
}

/** Purchase ids of receipts due for an attempt, oldest first. */
export async function listDueReceipts(db: Kysely<Database>, nowMs: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('receipts')
    .select('purchase_id')
    .where('status', '=', 'pending')
    .where('next_attempt_at_ms', '<=', BigInt(nowMs))
    .orderBy('created_at_ms')
    .orderBy('purchase_id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.purchase_id);
}

/**
 * Takes a receipt for one attempt until `claimUntilMs` (another replica leaves it alone, and
 * takes it up after then if this one died); answers the attempt's number, or null if taken.
 */
export async function claimReceipt(db: Kysely<Database>, purchaseId: string, nowMs: number, claimUntilMs: number): Promise<number | null> {
  // One statement: the claim and the attempt's number it answers cannot be split by another claim.
  const claimed = await db
    .updateTable('receipts')
    .set((eb) => ({ attempts: eb('attempts', '+', 1n), next_attempt_at_ms: BigInt(claimUntilMs) }))
    .where('purchase_id', '=', purchaseId)
    .where('status', '=', 'pending')
    .where('next_attempt_at_ms', '<=', BigInt(nowMs))
    .returning('attempts')
    .executeTakeFirst();
  return claimed ? Number(claimed.attempts) : null;
}

/** What a receipt says: its purchase and the account, as they are now. */
export async function loadReceiptFacts(db: Kysely<Database>, purchaseId: string): Promise<ReceiptFacts> {
  const row = await db
    .selectFrom('purchases')
    .innerJoin('accounts', 'accounts.id', 'purchases.account_id')
    .select([
      'purchases.id', 'purchases.account_id', 'accounts.name', 'accounts.email', 'purchases.amount_minor', 'purchases.currency', 'purchases.credits_micros',
      'purchases.stripe_payment_intent_id', 'purchases.stripe_checkout_session_id', 'purchases.stripe_charge_id', 'purchases.created_at_ms',
    ])
    .where('purchases.id', '=', purchaseId)
    .executeTakeFirstOrThrow();
  return {
    purchaseId: row.id,
    accountId: row.account_id,
    accountName: row.name,
    email: row.email,
    amountMinor: BigInt(row.amount_minor),
    currency: row.currency,
    creditsMicros: BigInt(row.credits_micros),
    stripePaymentIntentId: row.stripe_payment_intent_id,
    stripeCheckoutSessionId: row.stripe_checkout_session_id,
    stripeChargeId: row.stripe_charge_id,
    createdAtMs: Number(row.created_at_ms),
  };
}

export type ReceiptEnd = { status: Extract<ReceiptStatus, 'sent'>; recipient: string; nowMs: number } | { status: Extract<ReceiptStatus, 'skipped'>; reason: string };

/** Ends the receipt's life (sent, or skipped), if the claim is still this attempt's. */
export async function finishReceipt(db: Kysely<Database>, purchaseId: string, attempt: number, end: ReceiptEnd): Promise<void> {
  const values =
    end.status === 'sent'
      ? { status: end.status, recipient: end.recipient, sent_at_ms: BigInt(end.nowMs), next_attempt_at_ms: null, last_error: null }
      : { status: end.status, next_attempt_at_ms: null, last_error: end.reason };
  await updateClaimed(db, purchaseId, attempt, values);
}

/** Records a failed attempt: due again at `retryAtMs`, or given up ('failed') when that is null. */
export async function recordReceiptFailure(db: Kysely<Database>, purchaseId: string, attempt: number, error: string, retryAtMs: number | null): Promise<void> {
  const values = { status: retryAtMs === null ? ('failed' as const) : ('pending' as const), last_error: error, next_attempt_at_ms: retryAtMs === null ? null : BigInt(retryAtMs) };
  await updateClaimed(db, purchaseId, attempt, values);
}

/** Updates the receipt while this attempt still holds it (not finished by another after the claim ran out). */
async function updateClaimed(db: Kysely<Database>, purchaseId: string, attempt: number, values: Updateable<ReceiptsTable>): Promise<void> {
  await db
    .updateTable('receipts')
    .set(values)
    .where('purchase_id', '=', purchaseId)
    .where('status', '=', 'pending')
    .where('attempts', '=', BigInt(attempt))
    .execute();
}
