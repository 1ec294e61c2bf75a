// Refund requests and their decision. An owner asks (one open request per account); an admin
// approves or rejects, once. Approval takes the unused paid credit of the account's purchases
// back through the ledger (refund-plan.ts says how much) in one transaction with the decision;
// the money is returned by Stripe after that commits (refund-submit.ts). Approving again
// answers the same refund and takes nothing more.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { ApiError } from '../errors';
import * as ledger from '../ledger/service';
import { assert } from '../shared/assert';
import { hasOpenDispute, refuseWhileDisputed } from './dispute-store';
import type { Refundable } from './refund-model';
import { planRefund, totalsOf, type PlannedItem } from './refund-plan';
import { addRefundedCredit, listRefundablePurchases } from './refund-purchases';
import { decideRefund, getRefund, insertItem, insertRequest, lockRefundById, type Refund } from './refund-store';
import { stripeNotConfigured } from './stripe-client';

/** What approving now would take back: the plan on the current figures, read without locks. */
export async function estimateRefund(db: Kysely<Database>, accountId: string, nowMs: number): Promise<{ creditsMicros: bigint; amountMinor: bigint }> {
  const purchases = await listRefundablePurchases(db, accountId);
  const unused = await ledger.readUnusedPaidCredit(db, accountId, purchases.map((purchase) => purchase.grantId), nowMs);
  return totalsOf(planRefund(purchases, unused));
}

export async function requestRefund(db: Kysely<Database>, accountId: string, reason: string, nowMs: number): Promise<Refund> {
  if ((await estimateRefund(db, accountId, nowMs)).amountMinor === 0n) throw nothingToRefund();
  const id = await insertRequest(db, accountId, reason, nowMs);
  if (id === null) throw new ApiError(409, 'refund_already_open', 'This account already has a refund request waiting for a decision.');
  return getRefund(db, id);
}

/** Approves a requested refund (debit and decision in one transaction); `approvedNow` is false for one approved before. */
export async function approveRefund(db: Kysely<Database>, stripeConfigured: boolean, refundId: string, nowMs: number): Promise<{ refund: Refund; approvedNow: boolean }> {
  const approvedNow = await db.transaction().execute(async (trx) => {
    const refund = await lockRefundById(trx, refundId);
    if (refund.status === 'approved' || refund.status === 'refunded') return false;
    if (refund.status === 'rejected') throw new ApiError(409, 'conflict', `Refund ${refundId} was rejected; it cannot be approved.`);
    // Checked before any credit is taken: its money could not be returned.
    if (!stripeConfigured) throw stripeNotConfigured('STRIPE_SECRET_KEY');
    await refuseWhileDisputed(trx, refund.accountId, 'approving a refund');
    const purchases = await listRefundablePurchases(trx, refund.accountId);
    // Locks the wallet: nothing spends or reserves this credit before it is taken back.
    const unused = await ledger.unusedPaidCredit(trx, refund.accountId, purchases.map((purchase) => purchase.grantId), nowMs);
    const plan = planRefund(purchases, unused);
    if (plan.length === 0) throw nothingToRefund();
    for (const item of plan) await takeBack(trx, refundId, item, nowMs);
    const totals = totalsOf(plan);
    await decideRefund(trx, refundId, { status: 'approved', ...totals }, nowMs);
    return true;
  });
  return { refund: await getRefund(db, refundId), approvedNow };
}

export async function rejectRefund(db: Kysely<Database>, refundId: string, nowMs: number): Promise<Refund> {
  await db.transaction().execute(async (trx) => {
    const refund = await lockRefundById(trx, refundId);
    if (refund.status === 'rejected') return;
    if (refund.status !== 'requested') throw new ApiError(409, 'conflict', `Refund ${refundId} was approved; it cannot be rejected.`);
    await decideRefund(trx, refundId, { status: 'rejected', creditsMicros: null, amountMinor: null }, nowMs);
  });
  return getRefund(db, refundId);
}

/** For a request waiting for its decision: what approving it now would take back, and whether a dispute holds it. */
export async function refundableNow(db: Kysely<Database>, refund: Refund, nowMs: number): Promise<Refundable | null> {
  if (refund.status !== 'requested') return null;
  const estimate = await estimateRefund(db, refund.accountId, nowMs);
  return { ...estimate, held: await hasOpenDispute(db, refund.accountId) };
}

async function takeBack(trx: Transaction<Database>, refundId: string, item: PlannedItem, nowMs: number): Promise<void> {
  const { purchase } = item;
  const { transactionId } = await ledger.refundPaid(
    trx,
    {
      accountId: purchase.accountId,
      grantId: purchase.grantId,
      amountMicros: item.creditsMicros,
      idempotencyKey: `refund:${refundId}:${purchase.id}`,
      memo: `refund ${refundId} of purchase ${purchase.id} (Stripe payment ${purchase.stripePaymentIntentId})`,
    },
    nowMs,
  );
  assert(await addRefundedCredit(trx, purchase.id, item.creditsMicros), "a purchase's refunds never exceed its credits");
  await insertItem(trx, { refundId, purchaseId: purchase.id, creditsMicros: item.creditsMicros, amountMinor: item.amountMinor, transactionId }, nowMs);
}

function nothingToRefund(): ApiError {
  return new ApiError(409, 'nothing_to_refund', 'There is no unused paid credit bought through Stripe to refund (promo credit is never refunded).');
}
