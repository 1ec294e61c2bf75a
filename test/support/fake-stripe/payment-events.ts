// Webhook events about payments, around the objects the fake Stripe keeps (payments.ts):
// payment_intent.*, charge.refunded, charge.dispute.*, setup_intent.succeeded.
import type Stripe from 'stripe';
import { eventObject, stripeId } from './objects';
import { disputeObject, setupIntentObject } from './payment-objects';

const nowSeconds = (nowMs: number) => Math.floor(nowMs / 1000);

export function paymentIntentEvent(type: 'payment_intent.succeeded' | 'payment_intent.payment_failed', intent: object, nowMs = Date.now()) {
  return eventObject({ id: stripeId('evt'), type, created: nowSeconds(nowMs), object: intent });
}

export function chargeRefundedEvent(charge: Stripe.Charge, nowMs = Date.now()) {
  return eventObject({ id: stripeId('evt'), type: 'charge.refunded', created: nowSeconds(nowMs), object: charge });
}

/** A card saved for off-session use by a setup-mode Checkout of this customer. */
export function setupIntentSucceededEvent(customer: string, metadata: Record<string, string> = {}, nowMs = Date.now()) {
  const paymentMethod = stripeId('pm');
  const object = setupIntentObject({ id: stripeId('seti'), created: nowSeconds(nowMs), customer, paymentMethod, metadata });
  return { paymentMethod, event: eventObject({ id: stripeId('evt'), type: 'setup_intent.succeeded', created: nowSeconds(nowMs), object }) };
}

export function disputeEvent(
  type: 'charge.dispute.created' | 'charge.dispute.closed',
  input: { id?: string; charge: string; paymentIntent: string | null; amount: number; status: Stripe.Dispute.Status },
  nowMs = Date.now(),
) {
  const object = disputeObject({ id: input.id ?? stripeId('dp'), created: nowSeconds(nowMs), amount: input.amount, currency: 'usd', charge: input.charge, paymentIntent: input.paymentIntent, status: input.status });
  return eventObject({ id: stripeId('evt'), type, created: nowSeconds(nowMs), object });
}
