// Handlers of payment_intent.succeeded, payment_intent.payment_failed and setup_intent.succeeded.
// A refill's PaymentIntent names its attempt in metadata.refill_attempt_id: its success is the
// only thing that credits a refill (once: the purchase is keyed by the payment intent), and its
// failure counts as a decline once. Any PaymentIntent or SetupIntent made for off-session use of
// a card (a pack bought through Checkout, the card page) saves that card for auto-refill.
import type { Transaction } from 'kysely';
import type Stripe from 'stripe';
import * as stripeAccounts from '../accounts/stripe';
import type { Database } from '../db/schema';
import { UnusableEventError, type StripeEventContext } from './event-types';
import { idOf } from './stripe-objects';
import { getAttempt } from './refill-attempts';
import { recordRefillDecline, recordRefillSuccess } from './refill-outcome';
import { rememberPaymentMethod } from './refill-settings';
import { log } from '../logs/logger';

export async function applyPaymentIntentSucceeded(trx: Transaction<Database>, event: Stripe.Event, context: StripeEventContext): Promise<void> {
  const intent = readIntent(event);
  const attempt = await attemptOf(trx, event, intent);
  if (attempt) {
    const received = intent.amount_received > 0 ? intent.amount_received : intent.amount;
    await recordRefillSuccess(trx, attempt, { id: intent.id, amountMinor: BigInt(received), currency: intent.currency, chargeId: idOf(intent.latest_charge) }, context.nowMs);
    return;
  }
  if (intent.setup_future_usage === 'off_session') await saveCard(trx, idOf(intent.customer), idOf(intent.payment_method), intent.metadata?.account_id, context.nowMs);
}

export async function applyPaymentIntentFailed(trx: Transaction<Database>, event: Stripe.Event, context: StripeEventContext): Promise<void> {
  const intent = readIntent(event);
  const attempt = await attemptOf(trx, event, intent);
  if (!attempt) return;
  const error = intent.last_payment_error;
  const decline = { code: error?.code ?? error?.decline_code ?? 'payment_failed', message: error?.message ?? 'The payment failed.', paymentIntentId: intent.id };
  await recordRefillDecline(trx, context.config, attempt, decline, context.nowMs);
}

export async function applySetupIntentSucceeded(trx: Transaction<Database>, event: Stripe.Event, context: StripeEventContext): Promise<void> {
  const intent = (event.data as { object?: Partial<Stripe.SetupIntent> }).object;
  if (!intent || intent.object !== 'setup_intent' || typeof intent.id !== 'string') throw new UnusableEventError(`event ${event.id} does not carry a setup intent`);
  if (intent.usage !== 'off_session') return;
  await saveCard(trx, idOf(intent.customer ?? null), idOf(intent.payment_method ?? null), intent.metadata?.account_id, context.nowMs);
}

function readIntent(event: Stripe.Event): Stripe.PaymentIntent {
  const intent = (event.data as { object?: Partial<Stripe.PaymentIntent> }).object;
  if (!intent || intent.object !== 'payment_intent' || typeof intent.id !== 'string' || !Number.isSafeInteger(intent.amount) || typeof intent.currency !== 'string') {
    throw new UnusableEventError(`event ${event.id} of type ${event.type} does not carry a payment intent with id, amount and currency`);
  }
  return intent as Stripe.PaymentIntent;
}

/** The refill attempt a PaymentIntent names, if it names one of this installation's for the same account. */
async function attemptOf(trx: Transaction<Database>, event: Stripe.Event, intent: Stripe.PaymentIntent) {
  const attemptId = intent.metadata?.refill_attempt_id;
  if (typeof attemptId !== 'string' || attemptId === '') return null;
  const attempt = await getAttempt(trx, attemptId);
  if (!attempt || attempt.accountId !== intent.metadata?.account_id) {
    // Another installation sharing the Stripe account, most likely: not ours to credit.
    log.warn(`[inferport] Stripe event ${event.id}: payment intent ${intent.id} names refill attempt ${attemptId}, which is not one of ours; ignored`);
    return null;
  }
  return attempt;
}

async function saveCard(trx: Transaction<Database>, customerId: string | null, paymentMethodId: string | null, namedAccountId: unknown, nowMs: number): Promise<void> {
  if (customerId === null || paymentMethodId === null) return;
  // The customer decides the account: a card saved to another customer could not be charged.
  const accountId = await stripeAccounts.findAccountByStripeCustomer(trx, customerId);
  if (accountId === null) return;
  if (typeof namedAccountId === 'string' && namedAccountId !== '' && namedAccountId !== accountId) {
    log.warn(`[inferport] a card of customer ${customerId} names account ${namedAccountId}, not its own ${accountId}; saved for ${accountId}`);
  }
  await rememberPaymentMethod(trx, accountId, paymentMethodId, nowMs);
}
