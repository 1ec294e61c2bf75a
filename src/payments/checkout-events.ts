// Handlers of checkout.session.completed, .async_payment_succeeded and .async_payment_failed
// for credit packs. A paid session of ours becomes a purchase (recordPurchase, idempotent on
// the payment intent): the same payment, by whichever of its events and in whatever order,
// credits once. Subscription-mode sessions are the subscribe flow's; a session we did not
// create (a payment link of the same Stripe account) is none of ours: both are skipped.
import type { Transaction } from 'kysely';
import type Stripe from 'stripe';
import * as stripeAccounts from '../accounts/stripe';
import type { Database } from '../db/schema';
import { UnusableEventError, type StripeEventContext } from './event-types';
import type { PackSessionMetadata } from './pack-checkout';
import { recordPurchase, type PurchaseInput } from './purchases';
import { rememberPaymentMethod } from './refill-settings';
import { log } from '../logs/logger';

/** checkout.session.completed and .async_payment_succeeded: credits a paid session once. */
export async function creditPaidCheckout(trx: Transaction<Database>, event: Stripe.Event, context: StripeEventContext): Promise<void> {
  const session = readPackSession(event);
  if (session === null) return;
  if (session.payment_status !== 'paid') {
    // An asynchronous method (a bank debit) completes the session before the money arrives;
    // async_payment_succeeded (or _failed) follows.
    log.info(`[inferport] Stripe event ${event.id}: checkout session ${session.id} is ${session.payment_status}; credited once paid`);
    return;
  }
  const input = readPurchase(event, session);
  if (!(await stripeAccounts.accountExists(trx, input.accountId))) {
    throw new UnusableEventError(`event ${event.id}: checkout session ${session.id} was paid for account ${input.accountId}, which does not exist here`);
  }
  const { replayed } = await recordPurchase(trx, input, context.nowMs);
  const paymentMethod = savedPaymentMethod(session);
  if (paymentMethod !== null) await rememberPaymentMethod(trx, input.accountId, paymentMethod, context.nowMs);
  if (!replayed) context.afterCommit(context.sendReceipts);
}

/** checkout.session.async_payment_failed: nothing was paid, so nothing is credited; logged for the operator. */
export async function noteFailedCheckout(_trx: Transaction<Database>, event: Stripe.Event): Promise<void> {
  const session = readPackSession(event);
  if (session === null) return;
  log.warn(`[inferport] Stripe event ${event.id}: the payment of checkout session ${session.id} (account ${session.metadata?.account_id}) failed; nothing credited`);
}

/** The event's session if it is a payment-mode session of ours; null for others; UnusableEventError if it is no session. */
function readPackSession(event: Stripe.Event): Stripe.Checkout.Session | null {
  const session = (event.data as { object?: unknown } | undefined)?.object as Partial<Stripe.Checkout.Session> | undefined;
  if (typeof session !== 'object' || session === null || session.object !== 'checkout.session' || typeof session.id !== 'string') {
    throw new UnusableEventError(`event ${event.id} of type ${event.type} does not carry a checkout session`);
  }
  if (session.mode !== 'payment') return null;
  if (typeof session.metadata?.credits_micros !== 'string') {
    log.info(`[inferport] Stripe event ${event.id}: checkout session ${session.id} was not created by inferport; ignored`);
    return null;
  }
  return session as Stripe.Checkout.Session;
}

/** The purchase a paid session records; UnusableEventError when the session lacks what that needs. */
function readPurchase(event: Stripe.Event, session: Stripe.Checkout.Session): PurchaseInput {
  const metadata = session.metadata as Partial<PackSessionMetadata>;
  const accountId = metadata.account_id || session.client_reference_id;
  const paymentIntent = typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id;
  const unusable = (what: string) => new UnusableEventError(`event ${event.id}: paid checkout session ${session.id} has ${what}`);
  if (!accountId) throw unusable('no account_id');
  if (!paymentIntent) throw unusable('no payment_intent');
  if (!/^[1-9]\d{0,18}$/.test(metadata.credits_micros ?? '')) throw unusable(`credits_micros "${metadata.credits_micros}", not a positive integer`);
  if (!Number.isSafeInteger(session.amount_total) || session.amount_total! <= 0 || typeof session.currency !== 'string') throw unusable('no positive amount_total and currency');
  return {
    accountId,
    source: 'checkout',
    stripePaymentIntentId: paymentIntent,
    stripeCheckoutSessionId: session.id,
    stripeChargeId: null,
    amountMinor: BigInt(session.amount_total!),
    currency: session.currency,
    creditsMicros: BigInt(metadata.credits_micros!),
  };
}

/**
 * The card saved for off-session use, when the event says it: only an expanded payment intent
 * carries its payment method (a webhook's session names the intent by id alone, and then the
 * intent's own payment_intent.succeeded event is where the method is found).
 */
function savedPaymentMethod(session: Stripe.Checkout.Session): string | null {
  const intent = session.payment_intent;
  if (typeof intent !== 'object' || intent === null || intent.setup_future_usage !== 'off_session') return null;
  const method = intent.payment_method;
  return typeof method === 'string' ? method : (method?.id ?? null);
}
