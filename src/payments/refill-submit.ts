// Sending a refill attempt to Stripe: one off-session PaymentIntent, confirmed at once, on the
// account's saved card, with the attempt's id as the idempotency key (a retried call charges
// once). Called after the attempt's row committed, outside any transaction; what Stripe answers
// is then recorded in a transaction of its own. Credit waits for payment_intent.succeeded.
import type { Kysely } from 'kysely';
import Stripe from 'stripe';
import type { Config } from '../config';
import type { Database } from '../db/schema';
import * as stripeAccounts from '../accounts/stripe';
import { claimAttempt, deferAttempt, moveAttempt, type RefillAttempt } from './refill-attempts';
import { AUTHENTICATION_REQUIRED, recordRefillDecline, type Decline } from './refill-outcome';
import { getSettings } from './refill-settings';
import { log } from '../logs/logger';

/** How long a claim keeps other senders off an attempt: far longer than the SDK's timeout and retries. */
const CLAIM_MS = 2 * 60_000;
/** Calls before an attempt Stripe never answered is given up (and counted as a failure). */
const SUBMIT_TRIES_MAX = 8;
const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 3_600_000;

type Outcome = { kind: 'processing'; paymentIntentId: string } | { kind: 'declined'; decline: Decline } | { kind: 'unreachable'; message: string };

export function refillIdempotencyKey(attemptId: string): string {
  return `inferport-refill-${attemptId}`;
}

/** Sends a due pending attempt to Stripe unless another sender has it, and records the answer. */
export async function submitAttempt(db: Kysely<Database>, stripe: Stripe, config: Config, attemptId: string, nowMs: number): Promise<void> {
  const attempt = await claimAttempt(db, attemptId, nowMs, nowMs + CLAIM_MS);
  if (!attempt) return;
  const settings = await getSettings(db, attempt.accountId);
  const { stripeCustomerId } = await stripeAccounts.getStripeBillingFacts(db, attempt.accountId);
  let outcome: Outcome;
  if (settings.paymentMethodId === null || stripeCustomerId === null) {
    outcome = { kind: 'declined', decline: { code: 'payment_method_missing', message: 'The account has no saved card.', paymentIntentId: null } };
  } else {
    outcome = await createIntent(stripe, attempt, stripeCustomerId, settings.paymentMethodId);
  }
  await recordOutcome(db, config, attempt, outcome, nowMs);
}

async function createIntent(stripe: Stripe, attempt: RefillAttempt, customer: string, paymentMethod: string): Promise<Outcome> {
  const params: Stripe.PaymentIntentCreateParams = {
    amount: Number(attempt.amountMinor),
    currency: attempt.currency,
    customer,
    payment_method: paymentMethod,
    off_session: true,
    confirm: true,
    description: 'inferport auto-refill',
    // The webhook finds the attempt (and its account) by these.
    metadata: { account_id: attempt.accountId, refill_attempt_id: attempt.id },
  };
  try {
    return outcomeOfIntent(await stripe.paymentIntents.create(params, { idempotencyKey: refillIdempotencyKey(attempt.id) }));
  } catch (error) {
    return outcomeOfError(error);
  }
}

function outcomeOfIntent(intent: Stripe.PaymentIntent): Outcome {
  if (intent.status === 'requires_action') return { kind: 'declined', decline: { code: AUTHENTICATION_REQUIRED, message: 'The payment needs the card holder to authenticate.', paymentIntentId: intent.id } };
  if (intent.status === 'requires_payment_method' || intent.status === 'canceled') {
    const error = intent.last_payment_error;
    return { kind: 'declined', decline: { code: error?.code ?? 'payment_failed', message: error?.message ?? `The payment is ${intent.status}.`, paymentIntentId: intent.id } };
  }
  // succeeded, processing (and anything newer): the outcome, and the credit, come by webhook.
  return { kind: 'processing', paymentIntentId: intent.id };
}

function outcomeOfError(error: unknown): Outcome {
  if (error instanceof Stripe.errors.StripeCardError || error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeIdempotencyError) {
    // The card or the request was refused: asking again will not change that.
    const code = error.code ?? (error instanceof Stripe.errors.StripeCardError ? 'card_declined' : error.type);
    return { kind: 'declined', decline: { code, message: error.message, paymentIntentId: error.payment_intent?.id ?? null } };
  }
  // Stripe down, a timeout, a rate limit, a bad key: the same call (same key) is tried again later.
  return { kind: 'unreachable', message: error instanceof Error ? error.message : String(error) };
}

async function recordOutcome(db: Kysely<Database>, config: Config, attempt: RefillAttempt, outcome: Outcome, nowMs: number): Promise<void> {
  if (outcome.kind === 'processing') {
    // A webhook that came first may have moved it on already: then this changes nothing.
    await db.transaction().execute((trx) => moveAttempt(trx, attempt.id, ['pending'], { status: 'processing', paymentIntentId: outcome.paymentIntentId }, nowMs));
    return;
  }
  if (outcome.kind === 'declined') {
    await db.transaction().execute((trx) => recordRefillDecline(trx, config, attempt, outcome.decline, nowMs));
    return;
  }
  log.error(`[inferport] auto-refill attempt ${attempt.id}: Stripe could not be reached (call ${attempt.submitTries}): ${outcome.message}`);
  if (attempt.submitTries >= SUBMIT_TRIES_MAX) {
    const decline = { code: 'stripe_unreachable', message: `Stripe did not answer ${attempt.submitTries} calls: ${outcome.message}`, paymentIntentId: null };
    await db.transaction().execute((trx) => recordRefillDecline(trx, config, attempt, decline, nowMs));
    return;
  }
  await deferAttempt(db, attempt.id, nowMs + Math.min(RETRY_BASE_MS * 2 ** (attempt.submitTries - 1), RETRY_MAX_MS), outcome.message.slice(0, 500), nowMs);
}
