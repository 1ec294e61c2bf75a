// Stripe webhook deliveries for tests: events signed as Stripe signs them
// (generateTestHeaderStringAsync, the only signing that works on Bun), sent to POST /webhooks/stripe.
import Stripe from 'stripe';
import type { TestApp } from '../app';
import { eventObject, stripeId, subscriptionObject, type SubscriptionInput } from './objects';

export const WEBHOOK_SECRET = 'whsec_test_fake_0123456789abcdef';

export interface Delivery {
  /** The body as sent: Stripe sends its JSON pretty-printed. */
  payload: string;
  signature: string;
}

export async function signDelivery(event: object, options: { secret?: string; timestampSeconds?: number } = {}): Promise<Delivery> {
  const payload = JSON.stringify(event, null, 2);
  const signature = await Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: options.secret ?? WEBHOOK_SECRET,
    timestamp: options.timestampSeconds ?? Math.floor(Date.now() / 1000),
  });
  return { payload, signature };
}

export function sendDelivery(testApp: TestApp, delivery: Delivery): Promise<Response> {
  return testApp.request('POST', '/webhooks/stripe', {
    body: delivery.payload,
    headers: { 'stripe-signature': delivery.signature, 'content-type': 'application/json; charset=utf-8' },
  });
}

/** Signs and delivers one event; answers the HTTP response. */
export async function deliverEvent(testApp: TestApp, event: object): Promise<Response> {
  return sendDelivery(testApp, await signDelivery(event));
}

/** A customer.subscription.* event carrying a full subscription object. */
export function subscriptionEvent(
  type: 'customer.subscription.created' | 'customer.subscription.updated' | 'customer.subscription.deleted',
  subscription: SubscriptionInput,
  eventCreated: number,
  eventId: string = stripeId('evt'),
) {
  return eventObject({ id: eventId, type, created: eventCreated, object: subscriptionObject(subscription) });
}

/** A checkout.session.* event carrying the session as the fake Stripe has it now. */
export function checkoutSessionEvent(
  type: 'checkout.session.completed' | 'checkout.session.async_payment_succeeded' | 'checkout.session.async_payment_failed',
  session: object,
  eventCreated: number,
  eventId: string = stripeId('evt'),
) {
  return eventObject({ id: eventId, type, created: eventCreated, object: session });
}
