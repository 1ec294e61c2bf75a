// POST /console/checkout's work: a Stripe Checkout Session in payment mode for a pack or a
// custom amount. The credits are decided here and carried in the session's metadata, so the
// webhook credits what the customer was offered even if the config changes before they pay.
import type { Kysely } from 'kysely';
import type Stripe from 'stripe';
import type { Config } from '../config';
import type { Database } from '../db/schema';
import { formatCents, formatMicros } from '../shared/money';
import { createCheckoutSession, ensureStripeCustomer } from './checkout';
import { choosePurchase } from './packs';
import { stripeNotConfigured } from './stripe-client';

/** The metadata of a pack checkout's session: written here, read by checkout-events.ts. */
export interface PackSessionMetadata {
  account_id: string;
  /** The credits to grant, in micro-credits (a decimal integer). */
  credits_micros: string;
  /** The pack bought ("20.00"), or "custom". */
  pack: string;
  [key: string]: string;
}

/**
 * The PaymentIntent's metadata: a payment_intent.* event of a checkout's payment (Stripe sends
 * them too) says it came from here and which account it credits; the session's handler credits it.
 */
export interface PackPaymentIntentMetadata {
  account_id: string;
  source: 'checkout';
  [key: string]: string;
}

export async function createPackCheckout(
  db: Kysely<Database>,
  stripe: Stripe | null,
  config: Config,
  input: { accountId: string; pack?: string; amountUsd?: string },
  nowMs: number,
): Promise<{ url: string }> {
  const chosen = choosePurchase(config.wallet, input);
  if (!stripe) throw stripeNotConfigured('STRIPE_SECRET_KEY');
  const customer = await ensureStripeCustomer(db, stripe, input.accountId, nowMs);
  const metadata: PackSessionMetadata = { account_id: input.accountId, credits_micros: String(chosen.creditsMicros), pack: chosen.pack ?? 'custom' };
  const paymentIntentMetadata: PackPaymentIntentMetadata = { account_id: input.accountId, source: 'checkout' };
  const params: Stripe.Checkout.SessionCreateParams = {
    mode: 'payment',
    customer,
    line_items: [
      {
        quantity: 1,
        price_data: { currency: 'usd', unit_amount: Number(chosen.cents), product_data: { name: `${creditsText(chosen.creditsMicros)} credits (${formatCents(chosen.cents)} USD)` } },
      },
    ],
    // Saves the card for off-session charges, which auto-refill makes.
    payment_intent_data: { setup_future_usage: 'off_session', metadata: paymentIntentMetadata },
    client_reference_id: input.accountId,
    metadata,
  };
  return createCheckoutSession(stripe, config, params);
}

/** "20.000000" → "20", "2.500000" → "2.5": how a product name reads. */
function creditsText(micros: bigint): string {
  return formatMicros(micros).replace(/\.?0+$/, '');
}
