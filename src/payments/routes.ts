// POST /webhooks/stripe: verify the signature of the raw body, store the event in the inbox
// once, answer 200 only after it is stored, then have the processor handle it (STYLE rule 12).
// A processing failure is the inbox's to retry: Stripe is never asked to deliver again.
import { Elysia } from 'elysia';
import Stripe from 'stripe';
import type { Config } from '../config';
import type { Db } from '../db';
import { ApiError, badRequest } from '../errors';
import { bodyTextOf } from '../http/body';
import * as inbox from './inbox';
import { readEvent, STRIPE_SIGNATURE_SECURITY, stripeEventRequestBody, webhookAnswer } from './model';
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
    async ({ request, headers, body }) => {
      const secret = config.stripe.webhookSecret;
      if (!secret) throw stripeNotConfigured('STRIPE_WEBHOOK_SECRET');
      // The text the body reader read (`body` is named so that Elysia reads it): Stripe signed
      // these bytes, not a re-serialised value.
      const payload = bodyTextOf(request);
      if (body === undefined || payload === undefined) throw badRequest('The request has no body: a Stripe event is expected.');
      const event = readEvent(await constructEvent(payload, headers['stripe-signature'], secret, config.stripe.webhookToleranceSeconds, now()));
      // Stored (or found already stored) before the answer: a 200 means the event is safe.
      if (await inbox.storeEvent(db, event, payload, now())) stripeEvents.kick();
      return { received: true as const };
    },
    {
      // The body is checked in the handler, after the signature: a stranger learns nothing of
      // the schema, and what Stripe signed is never refused for a field inferport does not read.
      response: webhookAnswer,
      detail: {
        summary: 'Receive a Stripe event (signed with the endpoint secret STRIPE_WEBHOOK_SECRET)',
        tags: ['webhooks'],
        security: STRIPE_SIGNATURE_SECURITY,
        requestBody: stripeEventRequestBody,
      },
    },
  );
}

async function constructEvent(payload: string, signature: string | undefined, secret: string, toleranceSeconds: number, nowMs: number): Promise<unknown> {
  if (!signature) throw invalidSignature('The Stripe-Signature header is missing.');
  try {
    // receivedAt: the server's clock judges the signature's age.
    return await Stripe.webhooks.constructEventAsync(payload, signature, secret, toleranceSeconds, undefined, nowMs);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) throw invalidSignature(error.message.split('\n')[0]!.trim());
    throw error;
  }
}

function invalidSignature(detail: string): ApiError {
  return new ApiError(400, 'invalid_signature', `The Stripe webhook signature does not verify: ${detail}`, 'stripe-signature');
}
