// Returning an approved refund's money: one Stripe refund per item (per purchase), for the
// item's cents, with the idempotency key inferport-refund-<refund>-<purchase>, sent after the
// approval committed and outside any transaction. Stripe refusing one (a charge refunded or
// disputed meanwhile) fails that item with an alert for the operator; Stripe unreachable puts
// it back for the scheduler, a bounded number of times.
import type { Kysely } from 'kysely';
import Stripe from 'stripe';
import * as alerts from '../alerts/service';
import type { Database } from '../db/schema';
import { formatCents } from './credit-price';
import { claimItem, listDueItems, moveItem, type ItemKey } from './refund-items';
import { log } from '../logs/logger';

const CLAIM_MS = 2 * 60_000;
const SUBMIT_TRIES_MAX = 10;
const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 3_600_000;
const DUE_ITEMS_MAX = 100;

export function refundIdempotencyKey(key: ItemKey): string {
  return `inferport-refund-${key.refundId}-${key.purchaseId}`;
}

/** Sends the due items of one refund (after its approval) or of all (the scheduler). */
export async function submitRefundItems(db: Kysely<Database>, stripe: Stripe, refundId: string | null, nowMs: number): Promise<void> {
  for (const key of await listDueItems(db, refundId, nowMs, DUE_ITEMS_MAX)) {
    try {
      await submitItem(db, stripe, key, nowMs);
    } catch (error) {
      log.error(`[inferport] sending refund ${key.refundId} of purchase ${key.purchaseId} to Stripe failed; the scheduler retries`, error);
    }
  }
}

async function submitItem(db: Kysely<Database>, stripe: Stripe, key: ItemKey, nowMs: number): Promise<void> {
  const tries = await claimItem(db, key, nowMs, nowMs + CLAIM_MS);
  if (tries === null) return;
  const item = await db
    .selectFrom('refund_items as i')
    .innerJoin('purchases as p', 'p.id', 'i.purchase_id')
    .select(['i.amount_minor', 'p.stripe_payment_intent_id', 'p.account_id'])
    .where('i.refund_id', '=', key.refundId)
    .where('i.purchase_id', '=', key.purchaseId)
    .executeTakeFirstOrThrow();
  const params: Stripe.RefundCreateParams = {
    payment_intent: item.stripe_payment_intent_id,
    amount: Number(item.amount_minor),
    reason: 'requested_by_customer',
    // charge.refunded finds the item by these.
    metadata: { refund_id: key.refundId, purchase_id: key.purchaseId, account_id: item.account_id },
  };
  let refund: Stripe.Refund;
  try {
    refund = await stripe.refunds.create(params, { idempotencyKey: refundIdempotencyKey(key) });
  } catch (error) {
    const refused = error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeCardError || error instanceof Stripe.errors.StripeIdempotencyError;
    const message = error instanceof Error ? error.message : String(error);
    if (refused || tries >= SUBMIT_TRIES_MAX) return failItem(db, key, item.account_id, BigInt(item.amount_minor), message, nowMs);
    await moveItem(db, key, ['pending'], { status: 'pending', lastError: message.slice(0, 500), submitAfterMs: nowMs + Math.min(RETRY_BASE_MS * 2 ** (tries - 1), RETRY_MAX_MS) });
    return;
  }
  if (refund.status === 'failed' || refund.status === 'canceled') return failItem(db, key, item.account_id, BigInt(item.amount_minor), `Stripe refund ${refund.id} is ${refund.status}`, nowMs);
  await moveItem(db, key, ['pending'], { status: 'submitted', stripeRefundId: refund.id, lastError: null });
}

async function failItem(db: Kysely<Database>, key: ItemKey, accountId: string, amountMinor: bigint, error: string, nowMs: number): Promise<void> {
  log.error(`[inferport] Stripe refused refund ${key.refundId} of purchase ${key.purchaseId}: ${error}`);
  await db.transaction().execute(async (trx) => {
    if (!(await moveItem(trx, key, ['pending'], { status: 'failed', lastError: error.slice(0, 500) }))) return;
    const message = `Refund ${key.refundId}: Stripe did not return $${formatCents(amountMinor)} of purchase ${key.purchaseId} (${error}); its credit was taken back, so the operator must settle it.`;
    await alerts.recordAlert(trx, { accountId, kind: 'refund_failed', message }, nowMs);
  });
}
