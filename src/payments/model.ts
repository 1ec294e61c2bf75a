// Schemas of the payments routes: the webhook delivery and the checkout answers.
import { t } from 'elysia';

/**
 * What a Stripe event must hold for the inbox to store it. Only that is checked (Stripe adds
 * fields over time, and refusing one of its events makes Stripe retry it for days); the
 * signature, checked first, is what makes it trustworthy.
 */
export const stripeEventBody = t.Object(
  {
    id: t.String({ pattern: '^evt_[A-Za-z0-9_]+$', maxLength: 255, description: "Stripe's event id, evt_…" }),
    object: t.Optional(t.Literal('event')),
    type: t.String({ pattern: '^[a-z0-9_]+(\\.[a-z0-9_]+)*$', maxLength: 255, description: 'The event type, e.g. customer.subscription.updated' }),
    created: t.Integer({ minimum: 0, maximum: 100_000_000_000, description: 'When Stripe created the event, in seconds since the epoch' }),
    data: t.Object({ object: t.Object({}, { additionalProperties: true }) }, { additionalProperties: true }),
  },
  { additionalProperties: true, description: 'A Stripe event, exactly as Stripe signed it (https://docs.stripe.com/api/events/object)' },
);

export const webhookAnswer = t.Object({ received: t.Literal(true) });

export const subscribeBody = t.Object(
  { plan: t.String({ minLength: 1, maxLength: 100, description: 'A configured plan that has a stripe_price' }) },
  { additionalProperties: false },
);

export const checkoutAnswer = t.Object({ url: t.String({ description: 'The Stripe Checkout page to send the customer to' }) });

/** The OpenAPI security requirement of the webhook route. */
export const STRIPE_SIGNATURE_SECURITY = [{ stripeSignature: [] as string[] }];
