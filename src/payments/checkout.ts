// Stripe Checkout for plan subscriptions, and what every checkout shares (credit packs too,
// pack-checkout.ts): the account's Stripe customer, and creating the session.
import type Stripe from 'stripe';
import type { Kysely } from 'kysely';
import * as stripeAccounts from '../accounts/stripe';
import type { Config } from '../config';
import type { Database } from '../db/schema';
import { ApiError, badRequest } from '../errors';
import { callStripe, stripeNotConfigured } from './stripe-client';

/**
 * The account's Stripe customer: the one remembered, or a new one. Creating it carries an
 * idempotency key of the account, so two checkouts racing to create it get the same customer
 * from Stripe (within Stripe's 24 hours of idempotency; later, the remembered one is used).
 */
export async function ensureStripeCustomer(db: Kysely<Database>, stripe: Stripe, accountId: string, nowMs: number): Promise<string> {
  const facts = await stripeAccounts.getStripeBillingFacts(db, accountId);
  if (facts.stripeCustomerId) return facts.stripeCustomerId;
  const params: Stripe.CustomerCreateParams = { name: facts.name, metadata: { account_id: accountId } };
  if (facts.email) params.email = facts.email;
  const customer = await callStripe('create a customer', () => stripe.customers.create(params, { idempotencyKey: `inferport-customer-${accountId}` }));
  return stripeAccounts.rememberStripeCustomer(db, accountId, customer.id, nowMs);
}

/** The Stripe price of a plan a customer may subscribe to; 400 for any other plan. */
export function subscribablePrice(config: Config, planName: string): string {
  const plan = Object.hasOwn(config.plans, planName) ? config.plans[planName] : undefined;
  if (!plan) throw badRequest(`unknown plan "${planName}"; configured plans: ${Object.keys(config.plans).join(', ') || 'none'}`, 'plan');
  if (!plan.stripePrice) throw badRequest(`plan "${planName}" cannot be bought: it has no stripe_price`, 'plan');
  return plan.stripePrice;
}

/**
 * A Checkout Session in subscription mode for the plan's price. The session and the
 * subscription it creates name the account (client_reference_id, metadata.account_id), so
 * the subscription's events find the account even before its customer is remembered.
 */
export async function createSubscriptionCheckout(
  db: Kysely<Database>,
  stripe: Stripe | null,
  config: Config,
  input: { accountId: string; plan: string },
  nowMs: number,
): Promise<{ url: string }> {
  const price = subscribablePrice(config, input.plan);
  if (!stripe) throw stripeNotConfigured('STRIPE_SECRET_KEY');
  const customer = await ensureStripeCustomer(db, stripe, input.accountId, nowMs);
  const metadata = { account_id: input.accountId, plan: input.plan };
  const params: Stripe.Checkout.SessionCreateParams = {
    mode: 'subscription',
    customer,
    line_items: [{ price, quantity: 1 }],
    client_reference_id: input.accountId,
    metadata,
    subscription_data: { metadata },
  };
  return createCheckoutSession(stripe, config, params);
}

/** Creates the session with the configured return pages, and answers the page to send the customer to. */
export async function createCheckoutSession(stripe: Stripe, config: Config, params: Stripe.Checkout.SessionCreateParams): Promise<{ url: string }> {
  const session = await openCheckoutSession(stripe, config, params);
  return { url: session.url };
}

/** Creates a Checkout Session that returns to the configured pages; 502 when Stripe answers one without a url. */
export async function openCheckoutSession(stripe: Stripe, config: Config, params: Stripe.Checkout.SessionCreateParams): Promise<Stripe.Checkout.Session & { url: string }> {
  const withPages: Stripe.Checkout.SessionCreateParams = { ...params };
  if (config.stripe.successUrl) withPages.success_url = config.stripe.successUrl;
  if (config.stripe.cancelUrl) withPages.cancel_url = config.stripe.cancelUrl;
  const session = await callStripe('create a checkout session', () => stripe.checkout.sessions.create(withPages));
  if (!session.url) throw new ApiError(502, 'stripe_error', `Stripe answered checkout session ${session.id} without a url`);
  return { ...session, url: session.url };
}
