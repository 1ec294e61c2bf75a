// PUT /console/auto-refill: the owner's settings, checked and stored. Turning it on needs Stripe,
// a saved card of the account's customer and no open dispute; turning it on again clears what
// made inferport turn it off (the failures, the back-off, the page to authenticate again).
import type { Kysely } from 'kysely';
import type { Config } from '../config';
import type { Database } from '../db/schema';
import { ApiError, badRequest } from '../errors';
import * as stripeAccounts from '../accounts/stripe';
import { BALANCE_MICROS_MAX } from '../ledger/model';
import { formatMicros, parseCreditsToMicros } from '../shared/money';
import { centsForCredits, minPaymentMicros } from './credit-price';
import { refuseWhileDisputed } from './dispute-store';
import { getSettings, lockSettingsById, updateSettings, type RefillSettings, type SettingsChange } from './refill-settings';
import { stripeNotConfigured } from './stripe-client';

export interface RefillInput {
  enabled: boolean;
  threshold: string;
  amount: string;
}

export async function configureAutoRefill(
  db: Kysely<Database>,
  config: Config,
  stripeConfigured: boolean,
  accountId: string,
  input: RefillInput,
  nowMs: number,
): Promise<RefillSettings> {
  const thresholdMicros = readThreshold(input.threshold);
  const amountMicros = readAmount(config, input.amount);
  if (input.enabled) {
    if (!stripeConfigured) throw stripeNotConfigured('STRIPE_SECRET_KEY');
    await refuseWhileDisputed(db, accountId, 'auto-refill');
  }
  const { stripeCustomerId } = await stripeAccounts.getStripeBillingFacts(db, accountId);
  await db.transaction().execute(async (trx) => {
    const settings = await lockSettingsById(trx, accountId, nowMs);
    if (input.enabled && (settings.paymentMethodId === null || stripeCustomerId === null)) {
      throw new ApiError(
        409,
        'payment_method_required',
        'Auto-refill charges a saved card: buy credit through Checkout, or save a card with POST /console/auto-refill/card, then turn it on.',
        'enabled',
      );
    }
    const change: SettingsChange = { enabled: input.enabled, thresholdMicros, amountMicros, disabledReason: null };
    if (input.enabled && !settings.enabled) Object.assign(change, { consecutiveFailures: 0, retryAfterMs: null, actionRequired: null, actionUrl: null, actionUrlExpiresAtMs: null });
    await updateSettings(trx, accountId, change, nowMs);
  });
  return getSettings(db, accountId);
}

function readThreshold(text: string): bigint {
  const micros = parseCreditsToMicros(text);
  if (micros === null || micros > BALANCE_MICROS_MAX) throw badRequest(`threshold must be a decimal string of credits from 0 to ${formatMicros(BALANCE_MICROS_MAX)}, with at most 6 decimals`, 'threshold');
  return micros;
}

/** The refill amount: a custom payment's least worth (min_custom_usd) to max_amount, in whole cents. */
function readAmount(config: Config, text: string): bigint {
  const micros = parseCreditsToMicros(text);
  const minMicros = minPaymentMicros(config.wallet);
  const maxMicros = config.autoRefill.maxAmountMicros;
  if (micros === null || micros < minMicros || micros > maxMicros) {
    throw badRequest(`amount must be a decimal string of credits from ${formatMicros(minMicros)} to ${formatMicros(maxMicros)}`, 'amount');
  }
  if (centsForCredits(config.wallet, micros) === null) throw badRequest(`amount must be worth a whole number of cents (${config.wallet.creditsPerUsd} credits per US dollar)`, 'amount');
  return micros;
}
