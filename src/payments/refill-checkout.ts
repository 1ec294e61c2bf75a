// The Checkout page (setup mode) that saves a card for auto-refill: offered to an account that
// has none, and to one whose bank asked to authenticate an off-session charge. Completing it
// sends setup_intent.succeeded, which remembers the card (refill-events.ts).
import type Stripe from 'stripe';
import type { Kysely } from 'kysely';
import type { Config } from '../config';
import type { Database } from '../db/schema';
import { ensureStripeCustomer, openCheckoutSession } from './checkout';
import { CURRENCY } from './credit-price';
import { lockSettingsById, updateSettings } from './refill-settings';

export interface CardPage {
  url: string;
  expiresAtMs: number;
}

export async function createCardSetupCheckout(db: Kysely<Database>, stripe: Stripe, config: Config, accountId: string, nowMs: number): Promise<CardPage> {
  const customer = await ensureStripeCustomer(db, stripe, accountId, nowMs);
  const metadata = { account_id: accountId, purpose: 'auto_refill_card' };
  const params: Stripe.Checkout.SessionCreateParams = {
    mode: 'setup',
    customer,
    // Cards only: the refill charges off-session, which other methods may not allow.
    allowed_payment_method_types: ['card'],
    currency: CURRENCY,
    client_reference_id: accountId,
    metadata,
    setup_intent_data: { metadata },
  };
  const session = await openCheckoutSession(stripe, config, params);
  return { url: session.url, expiresAtMs: session.expires_at * 1000 };
}

/**
 * Makes the page an account must visit to authenticate its card again, and shows it in its
 * settings, unless the need went away meanwhile (a card saved, auto-refill turned on again).
 */
export async function createActionPage(db: Kysely<Database>, stripe: Stripe, config: Config, accountId: string, nowMs: number): Promise<void> {
  const page = await createCardSetupCheckout(db, stripe, config, accountId, nowMs);
  await db.transaction().execute(async (trx) => {
    const settings = await lockSettingsById(trx, accountId, nowMs);
    if (settings.actionRequired === null) return;
    await updateSettings(trx, accountId, { actionUrl: page.url, actionUrlExpiresAtMs: page.expiresAtMs }, nowMs);
  });
}
