// The frozen map from a Stripe event type to its handler (STYLE rule 12). An event of a type
// not listed here is logged and marked processed. To handle a new type, write a handler
// (event-types.ts says what it gets) and add one line here.
import type { StripeEventHandlers } from './event-types';
import { creditPaidCheckout, noteFailedCheckout } from './checkout-events';
import { applyDisputeClosed, applyDisputeCreated } from './dispute-events';
import { applyPaymentIntentFailed, applyPaymentIntentSucceeded, applySetupIntentSucceeded } from './refill-events';
import { applyChargeRefunded } from './refund-events';
import { applySubscriptionEvent } from './subscription-events';

export const STRIPE_EVENT_HANDLERS: StripeEventHandlers = Object.freeze({
  'customer.subscription.created': applySubscriptionEvent,
  'customer.subscription.updated': applySubscriptionEvent,
  'customer.subscription.deleted': applySubscriptionEvent,
  'checkout.session.completed': creditPaidCheckout,
  'checkout.session.async_payment_succeeded': creditPaidCheckout,
  'checkout.session.async_payment_failed': noteFailedCheckout,
  'payment_intent.succeeded': applyPaymentIntentSucceeded,
  'payment_intent.payment_failed': applyPaymentIntentFailed,
  'setup_intent.succeeded': applySetupIntentSucceeded,
  'charge.refunded': applyChargeRefunded,
  'charge.dispute.created': applyDisputeCreated,
  'charge.dispute.closed': applyDisputeClosed,
});
