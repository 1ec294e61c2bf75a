// /console/auto-refill: the owner's auto-refill settings and state, and the page that saves a
// card for it. Stripe is called here only to make that page; refills themselves are started
// and sent in the background (src/payments/refill-worker.ts), never on a request's path.
import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { apiKeyAuth, API_KEY_SECURITY } from '../http/api-key-auth';
import { refuseHostileInput } from '../http/hostile-input';
import { findInFlight, findLatest } from '../payments/refill-attempts';
import { createCardSetupCheckout } from '../payments/refill-checkout';
import { configureAutoRefill } from '../payments/refill-configure';
import { autoRefillBody, autoRefillJson, autoRefillSchema, cardPageSchema } from '../payments/refill-model';
import { getSettings } from '../payments/refill-settings';
import { stripeNotConfigured } from '../payments/stripe-client';

export function consoleAutoRefillRoutes(context: AppContext) {
  const { db, config, stripe, now, autoRefill } = context;
  const detail = (summary: string) => ({ summary, tags: ['console'], security: API_KEY_SECURITY });
  const view = async (accountId: string) => {
    const [settings, inFlight, latest] = await Promise.all([getSettings(db, accountId), findInFlight(db, accountId), findLatest(db, accountId)]);
    return autoRefillJson(settings, inFlight, latest, now());
  };
  return new Elysia({ prefix: '/console' })
    .use(apiKeyAuth(context))
    .use(refuseHostileInput())
    .get('/auto-refill', ({ apiKey }) => view(apiKey.accountId), {
      response: autoRefillSchema,
      detail: detail("The key's account's auto-refill: settings, state, last attempt, and any action the owner must take"),
    })
    .put(
      '/auto-refill',
      async ({ apiKey, body }) => {
        await configureAutoRefill(db, config, stripe !== null, apiKey.accountId, body, now());
        // A balance already below the new threshold starts a refill now, in the background.
        autoRefill.noteCharged([apiKey.accountId]);
        return view(apiKey.accountId);
      },
      {
        body: autoRefillBody,
        response: autoRefillSchema,
        detail: detail('Set auto-refill: when a charge takes the balance below threshold, the saved card is charged off-session for amount (turning it on needs a saved card)'),
      },
    )
    .post(
      '/auto-refill/card',
      async ({ apiKey }) => {
        if (!stripe) throw stripeNotConfigured('STRIPE_SECRET_KEY');
        const page = await createCardSetupCheckout(db, stripe, config, apiKey.accountId, now());
        return { url: page.url, expires_at: new Date(page.expiresAtMs).toISOString() };
      },
      { response: cardPageSchema, detail: detail('A Stripe Checkout page (setup mode) that saves a card for auto-refill') },
    );
}
