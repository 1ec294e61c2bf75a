// The tables refunds and refund_items: a refund request, the decision on it, and its part for
// each purchase with the Stripe refund that returns its money. Plain functions over the db.
import type { Kysely, Selectable, Transaction } from 'kysely';
import { withRowLock } from '../db/dialect';
import type { Database, RefundItemStatus, RefundItemsTable, RefundStatus, RefundsTable } from '../db/schema';
import { notFound } from '../errors';
import { newId } from '../shared/ids';

export interface RefundItem {
  refundId: string;
  purchaseId: string;
  creditsMicros: bigint;
  amountMinor: bigint;
  transactionId: string;
  status: RefundItemStatus;
  stripeRefundId: string | null;
  submitTries: number;
  lastError: string | null;
}

export interface Refund {
  id: string;
  accountId: string;
  status: RefundStatus;
  reason: string;
  creditsMicros: bigint | null;
  amountMinor: bigint | null;
  createdAtMs: number;
  decidedAtMs: number | null;
  completedAtMs: number | null;
  items: RefundItem[];
}

const nullableNumber = (value: bigint | null) => (value === null ? null : Number(value));
const nullableBig = (value: bigint | null) => (value === null ? null : BigInt(value));

function rowToItem(row: Selectable<RefundItemsTable>): RefundItem {
  return {
    refundId: row.refund_id,
    purchaseId: row.purchase_id,
    creditsMicros: BigInt(row.credits_micros),
    amountMinor: BigInt(row.amount_minor),
    transactionId: row.transaction_id,
    status: row.status,
    stripeRefundId: row.stripe_refund_id,
    submitTries: Number(row.submit_tries),
    lastError: row.last_error,
  };
}

function rowToRefund(row: Selectable<RefundsTable>, items: RefundItem[]): Refund {
  return {
    id: row.id,
    accountId: row.account_id,
    status: row.status,
    reason: row.reason,
    creditsMicros: nullableBig(row.credits_micros),
    amountMinor: nullableBig(row.amount_minor),
    createdAtMs: Number(row.created_at_ms),
    decidedAtMs: nullableNumber(row.decided_at_ms),
    completedAtMs: nullableNumber(row.completed_at_ms),
    items,
  };
}

/** Inserts an open request; null when the account already has one (the unique index says so). */
export async function insertRequest(db: Kysely<Database>, accountId: string, reason: string, nowMs: number): Promise<string | null> {
  const id = newId('refund');
  const inserted = await db
    .insertInto('refunds')
    .values({ id, account_id: accountId, status: 'requested', reason, credits_micros: null, amount_minor: null, created_at_ms: BigInt(nowMs), decided_at_ms: null, completed_at_ms: null })
    .onConflict((conflict) => conflict.doNothing())
    .returning('id')
    .execute();
  return inserted.length > 0 ? id : null;
}

export async function getRefund(db: Kysely<Database>, id: string): Promise<Refund> {
  const row = await db.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`refund ${id}`, 'id');
  return rowToRefund(row, await listItems(db, [id]));
}

/** Locks the refund's row for this transaction: its decision is taken once. */
export async function lockRefundById(trx: Transaction<Database>, id: string): Promise<Refund> {
  const row = await withRowLock(trx, trx.selectFrom('refunds').selectAll().where('id', '=', id)).executeTakeFirst();
  if (!row) throw notFound(`refund ${id}`, 'id');
  return rowToRefund(row, await listItems(trx, [id]));
}

/** Refunds newest first, of one status (or all) and one account (or all). */
export async function listRefunds(db: Kysely<Database>, filter: { status: RefundStatus | null; accountId: string | null; limit: number }): Promise<Refund[]> {
  let query = db.selectFrom('refunds').selectAll().orderBy('created_at_ms', 'desc').orderBy('id', 'desc').limit(filter.limit);
  if (filter.status !== null) query = query.where('status', '=', filter.status);
  if (filter.accountId !== null) query = query.where('account_id', '=', filter.accountId);
  const rows = await query.execute();
  const items = await listItems(db, rows.map((row) => row.id));
  return rows.map((row) => rowToRefund(row, items.filter((item) => item.refundId === row.id)));
}

async function listItems(db: Kysely<Database>, refundIds: string[]): Promise<RefundItem[]> {
  if (refundIds.length === 0) return [];
  const rows = await db.selectFrom('refund_items').selectAll().where('refund_id', 'in', refundIds).orderBy('created_at_ms').orderBy('purchase_id').execute();
  return rows.map(rowToItem);
}

export async function decideRefund(
  trx: Transaction<Database>,
  id: string,
  decision: { status: 'approved' | 'rejected'; creditsMicros: bigint | null; amountMinor: bigint | null },
  nowMs: number,
): Promise<void> {
  await trx
    .updateTable('refunds')
    .set({ status: decision.status, credits_micros: decision.creditsMicros, amount_minor: decision.amountMinor, decided_at_ms: BigInt(nowMs) })
    .where('id', '=', id)
    .where('status', '=', 'requested')
    .execute();
}

export async function insertItem(
  trx: Transaction<Database>,
  item: { refundId: string; purchaseId: string; creditsMicros: bigint; amountMinor: bigint; transactionId: string },
  nowMs: number,
): Promise<void> {
  await trx
    .insertInto('refund_items')
    .values({
      refund_id: item.refundId,
      purchase_id: item.purchaseId,
      credits_micros: item.creditsMicros,
      amount_minor: item.amountMinor,
      transaction_id: item.transactionId,
      status: 'pending',
      stripe_refund_id: null,
      submit_after_ms: BigInt(nowMs),
      last_error: null,
      created_at_ms: BigInt(nowMs),
    })
    .execute();
}

/** Marks the refund refunded once every part of it is confirmed by Stripe. */
export async function completeIfConfirmed(trx: Transaction<Database>, refundId: string, nowMs: number): Promise<void> {
  const open = await trx.selectFrom('refund_items').select('purchase_id').where('refund_id', '=', refundId).where('status', '!=', 'succeeded').executeTakeFirst();
  if (open) return;
  await trx.updateTable('refunds').set({ status: 'refunded', completed_at_ms: BigInt(nowMs) }).where('id', '=', refundId).where('status', '=', 'approved').execute();
}
