// The handler of charge.refunded: Stripe confirms refunds of a purchase's charge. Each of the
// purchase's refund items it covers is marked succeeded (once; a redelivery finds nothing
// open), and a refund whose items are all confirmed is refunded. Items are matched by the
// charge's refund list when the event carries it (by Stripe refund id or the metadata inferport
// set), otherwise by amount: amount_refunded covers the open items oldest first.
import type { Transaction } from 'kysely';
import type Stripe from 'stripe';
import type { Database } from '../db/schema';
import { UnusableEventError, type StripeEventContext } from './event-types';
import { findPurchaseByPaymentIntent } from './purchases';
import { confirmedMinorOfPurchase, listOpenItemsOfPurchase, moveItem } from './refund-items';
import { completeIfConfirmed } from './refund-store';
import { idOf } from './stripe-objects';
import { log } from '../logs/logger';

export async function applyChargeRefunded(trx: Transaction<Database>, event: Stripe.Event, context: StripeEventContext): Promise<void> {
  const charge = (event.data as { object?: Partial<Stripe.Charge> }).object;
  if (!charge || charge.object !== 'charge' || typeof charge.id !== 'string' || !Number.isSafeInteger(charge.amount_refunded)) {
    throw new UnusableEventError(`event ${event.id} does not carry a charge with id and amount_refunded`);
  }
  const paymentIntentId = idOf(charge.payment_intent);
  const purchase = paymentIntentId ? await findPurchaseByPaymentIntent(trx, paymentIntentId) : null;
  if (!purchase) {
    log.info(`[inferport] Stripe event ${event.id}: charge ${charge.id} is no purchase here; ignored`);
    return;
  }
  const listed = Array.isArray(charge.refunds?.data) ? charge.refunds.data : null;
  let confirmedMinor = await confirmedMinorOfPurchase(trx, purchase.id);
  const touched = new Set<string>();
  for (const item of await listOpenItemsOfPurchase(trx, purchase.id)) {
    const amountMinor = BigInt(item.amount_minor);
    const match = listed?.find((refund) => refund?.id === item.stripe_refund_id || (refund?.metadata?.refund_id === item.refund_id && refund?.metadata?.purchase_id === item.purchase_id));
    const confirmed = listed ? match?.status === 'succeeded' : confirmedMinor + amountMinor <= BigInt(charge.amount_refunded!);
    if (!confirmed) continue;
    await moveItem(trx, { refundId: item.refund_id, purchaseId: item.purchase_id }, ['pending', 'submitted'], { status: 'succeeded', stripeRefundId: match?.id ?? null, lastError: null });
    confirmedMinor += amountMinor;
    touched.add(item.refund_id);
  }
  for (const refundId of touched) await completeIfConfirmed(trx, refundId, context.nowMs);
}
