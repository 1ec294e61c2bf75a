// Schemas of the payments routes: the webhook delivery and the checkout answers.
import { t, type DocumentDecoration } from 'elysia';
import { badRequest } from '../errors';
import type { VerifiedEvent } from './inbox';

const EVENT_ID = /^evt_[A-Za-z0-9_]+$/;
const EVENT_TYPE = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;
const CREATED_MAX = 100_000_000_000;

/**
 * What a Stripe event must hold for the inbox to store it, documented for the OpenAPI document
 * and checked by readEvent once the signature verified. Only that is checked: Stripe adds
 * fields over time, and refusing one of its events makes Stripe retry it for days.
 */
export const stripeEventSchema = t.Object(
  {
    id: t.String({ pattern: EVENT_ID.source, maxLength: 255, description: "Stripe's event id, evt_…" }),
    object: t.Optional(t.Literal('event')),
    type: t.String({ pattern: EVENT_TYPE.source, maxLength: 255, description: 'The event type, e.g. customer.subscription.updated' }),
    // Unsafe: Elysia's t.Integer also documents numeric strings, which Stripe never sends.
    created: t.Unsafe<number>({ type: 'integer', minimum: 0, maximum: CREATED_MAX, description: 'When Stripe created the event, in seconds since the epoch' }),
    data: t.Object({ object: t.Object({}, { additionalProperties: true }) }, { additionalProperties: true }),
  },
  { additionalProperties: true, description: 'A Stripe event, exactly as Stripe signed it (https://docs.stripe.com/api/events/object)' },
);

/** The webhook's body for the OpenAPI document (a TypeBox schema is JSON Schema; the type of `detail` does not know it). */
export const stripeEventRequestBody = {
  required: true,
  content: { 'application/json': { schema: stripeEventSchema } },
} as unknown as NonNullable<DocumentDecoration['requestBody']>;

/** The fields the inbox keeps apart from the payload; 400 naming the field when one is wrong. */
export function readEvent(body: unknown): VerifiedEvent {
  const event = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const data = event.data as Record<string, unknown> | null | undefined;
  if (typeof event.id !== 'string' || event.id.length > 255 || !EVENT_ID.test(event.id)) throw badRequest('The event has no valid id (evt_…).', 'id');
  if (typeof event.type !== 'string' || event.type.length > 255 || !EVENT_TYPE.test(event.type)) throw badRequest('The event has no valid type.', 'type');
  if (!Number.isSafeInteger(event.created) || (event.created as number) < 0 || (event.created as number) > CREATED_MAX) {
    throw badRequest('The event has no valid created time (seconds since the epoch).', 'created');
  }
  if (typeof data !== 'object' || data === null || typeof data.object !== 'object' || data.object === null) throw badRequest('The event has no data.object.', 'data');
  return { id: event.id, type: event.type, created: event.created as number };
}

export const webhookAnswer = t.Object({ received: t.Literal(true) });

export const subscribeBody = t.Object(
  { plan: t.String({ minLength: 1, maxLength: 100, description: 'A configured plan that has a stripe_price' }) },
  { additionalProperties: false },
);

export const checkoutAnswer = t.Object({ url: t.String({ description: 'The Stripe Checkout page to send the customer to' }) });

/** The OpenAPI security requirement of the webhook route. */
export const STRIPE_SIGNATURE_SECURITY = [{ stripeSignature: [] as string[] }];
