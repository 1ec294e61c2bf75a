// What a refill attempt's outcome does to the account, learnt from Stripe's answer or from its
// webhook, whichever comes first: a success credits the purchase and clears the failures; a
// decline backs off, and after failures_before_disable declines in a row (or at once, when the
// bank wants the owner to authenticate) turns auto-refill off with an alert. Each runs in the
// caller's transaction and counts only the attempt's first move to its outcome.
import type { Transaction } from 'kysely';
import * as alerts from '../alerts/service';
import type { Config } from '../config';
import type { Database } from '../db/schema';
import { formatMicros } from '../shared/money';
import { IN_FLIGHT, moveAttempt, type RefillAttempt } from './refill-attempts';
import { lockSettingsById, updateSettings, type SettingsChange } from './refill-settings';
import { recordPurchase } from './purchases';

/** Stripe's code for a card whose bank wants its holder present (3-D Secure). */
export const AUTHENTICATION_REQUIRED = 'authentication_required';

export interface Decline {
  code: string;
  message: string;
  paymentIntentId: string | null;
}

export interface PaidIntent {
  id: string;
  /** What Stripe received, in cents. */
  amountMinor: bigint;
  currency: string;
  chargeId: string | null;
}

/** Credits a succeeded refill once (its payment intent is the purchase's key) and clears the failures. */
export async function recordRefillSuccess(trx: Transaction<Database>, attempt: RefillAttempt, intent: PaidIntent, nowMs: number): Promise<void> {
  await lockSettingsById(trx, attempt.accountId, nowMs);
  await recordPurchase(
    trx,
    {
      accountId: attempt.accountId,
      source: 'auto_refill',
      stripePaymentIntentId: intent.id,
      stripeCheckoutSessionId: null,
      stripeChargeId: intent.chargeId,
      amountMinor: intent.amountMinor,
      currency: intent.currency,
      creditsMicros: attempt.amountMicros,
    },
    nowMs,
  );
  // From failed too: an attempt given up while Stripe was unreachable may have been made after all.
  if (await moveAttempt(trx, attempt.id, [...IN_FLIGHT, 'failed'], { status: 'succeeded', paymentIntentId: intent.id, failureCode: null, failureMessage: null }, nowMs)) {
    await updateSettings(trx, attempt.accountId, { consecutiveFailures: 0, retryAfterMs: null }, nowMs);
  }
}

/** Records a declined attempt: back-off, and auto-refill off with an alert when it must stop. */
export async function recordRefillDecline(trx: Transaction<Database>, config: Config, attempt: RefillAttempt, decline: Decline, nowMs: number): Promise<void> {
  const settings = await lockSettingsById(trx, attempt.accountId, nowMs);
  const moved = await moveAttempt(
    trx,
    attempt.id,
    IN_FLIGHT,
    { status: 'failed', paymentIntentId: decline.paymentIntentId, failureCode: decline.code, failureMessage: decline.message.slice(0, 500) },
    nowMs,
  );
  if (!moved) return;
  const failures = settings.consecutiveFailures + 1;
  const change: SettingsChange = { consecutiveFailures: failures, retryAfterMs: nowMs + config.autoRefill.declineBackoffSeconds * 1000 };
  const amount = formatMicros(attempt.amountMicros);
  if (decline.code === AUTHENTICATION_REQUIRED) {
    Object.assign(change, { enabled: false, disabledReason: 'authentication_required', actionRequired: 'authentication_required', actionUrl: null, actionUrlExpiresAtMs: null });
    const message = `Auto-refill of ${amount} credits needs the card holder to authenticate the payment; auto-refill is off until the card is saved again (GET /console/auto-refill gives the page).`;
    await alerts.recordAlert(trx, { accountId: attempt.accountId, kind: 'auto_refill_authentication_required', message }, nowMs);
  } else if (failures >= config.autoRefill.failuresBeforeDisable && settings.enabled) {
    Object.assign(change, { enabled: false, disabledReason: 'failures' });
    const message = `Auto-refill of ${amount} credits failed ${failures} times in a row (last: ${decline.code}); auto-refill is off until it is turned on again.`;
    await alerts.recordAlert(trx, { accountId: attempt.accountId, kind: 'auto_refill_disabled', message }, nowMs);
  }
  await updateSettings(trx, attempt.accountId, change, nowMs);
}
