// POST /webhooks/stripe: verify the signature of the raw body, store the event in the inbox
// once, answer 200 only after it is stored, then have the processor handle it (STYLE rule 12).
// A processing failure is the inbox's to retry: Stripe is never asked to deliver again.
import { Elysia } from 'elysia';
import Stripe from 'stripe';
import type { Config } from '../config';
import type { Db } from '../db';
import { ApiError } from '../errors';
import { bodyTextOf } from '../http/body';
import * as inbox from './inbox';
import { STRIPE_SIGNATURE_SECURITY, stripeEventBody, webhookAnswer } from './model';
import type { StripeEventProcessor } from './processor';
import { stripeNotConfigured } from './stripe-client';

export interface WebhookRouteContext {
  db: Db;
  config: Config;
  now: () => number;
  stripeEvents: StripeEventProcessor;
}

export function stripeWebhookRoutes(context: WebhookRouteContext) {
  const { db, config, now, stripeEvents } = context;
  return new Elysia({ prefix: '/webhooks' }).post(
    '/stripe',
    async ({ request, headers }) => {
      const secret = config.stripe.webhookSecret;
      if (!secret) throw stripeNotConfigured('STRIPE_WEBHOOK_SECRET');
      // The text the body reader read: Stripe signed these bytes, not a re-serialised value.
      const payload = bodyTextOf(request) ?? '';
      const event = await verifyEvent(payload, headers['stripe-signature'], secret, config.stripe.webhookToleranceSeconds, now());
      // Stored (or found already stored) before the answer: a 200 means the event is safe.
      if (await inbox.storeEvent(db, event, payload, now())) stripeEvents.kick();
      return { received: true as const };
    },
    {
      body: stripeEventBody,
      response: webhookAnswer,
      detail: {
        summary: 'Receive a Stripe event (signed with the endpoint secret STRIPE_WEBHOOK_SECRET)',
        tags: ['webhooks'],
        security: STRIPE_SIGNATURE_SECURITY,
      },
    },
  );
}

async function verifyEvent(payload: string, signature: string | undefined, secret: string, toleranceSeconds: number, nowMs: number): Promise<inbox.VerifiedEvent> {
  if (!signature) throw invalidSignature('The Stripe-Signature header is missing.');
  try {
    // receivedAt: the server's clock (injectable in tests) judges the signature's age.
    const event = await Stripe.webhooks.constructEventAsync(payload, signature, secret, toleranceSeconds, undefined, nowMs);
    return { id: event.id, type: event.type, created: event.created };
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) throw invalidSignature(error.message.split('\n')[0]!);
    throw error;
  }
}

function invalidSignature(detail: string): ApiError {
  return new ApiError(400, 'invalid_signature', `The Stripe webhook signature does not verify: ${detail}`, 'stripe-signature');
}
