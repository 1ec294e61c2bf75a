// Buying credit from the console: the live prices (pricing.ts), the packs on offer, a Stripe Checkout URL for one (or for a
// custom amount), and the account's purchases with their receipts. The credit itself arrives
// with Stripe's checkout events (src/payments/checkout-events.ts), not here.
import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { apiKeyAuth, API_KEY_SECURITY } from '../http/api-key-auth';
import { refuseHostileInput } from '../http/hostile-input';
import { checkoutAnswer } from '../payments/model';
import { createPackCheckout } from '../payments/pack-checkout';
import { packCheckoutBody, packsAnswer, packsJson } from '../payments/pack-model';
import { listAccountPurchases } from '../payments/purchase-list';
import { modelsForKey } from '../gateway/access';
import { narrowToPlan } from '../gateway/plan-quota';
import { poolOf } from '../upstreams/pool';
import { pricingAnswer, pricingJson } from './pricing';
import { purchaseListSchema, purchasesJson, purchasesQuery, readPurchasesPage } from '../payments/purchase-model';

export function consolePackRoutes(context: AppContext) {
  // The config is read per request, not captured here: a reload (src/reload) changes prices and upstreams.
  const { db, stripe, now } = context;
  const detail = (summary: string) => ({ summary, tags: ['console'], security: API_KEY_SECURITY });
  return new Elysia({ prefix: '/console' })
    .use(apiKeyAuth(context))
    .use(refuseHostileInput())
    .get('/pricing', ({ apiKey }) => pricingJson(context.config, apiKey.billing, narrowToPlan(context, apiKey, modelsForKey(poolOf(context.config.upstreams), apiKey))), {
      response: pricingAnswer,
      detail: detail("The live prices the key's account pays: per model it may use, per instance type, and the credit packs"),
    })
    .get('/packs', () => packsJson(context.config.wallet), { response: packsAnswer, detail: detail('The credit packs on offer, and the bounds of a custom amount') })
    .post(
      '/checkout',
      ({ apiKey, body }) => createPackCheckout(db, stripe, context.config, { accountId: apiKey.accountId, pack: body.pack, amountUsd: body.amount_usd }, now()),
      { body: packCheckoutBody, response: checkoutAnswer, detail: detail("A Stripe Checkout URL that buys a pack, or a custom amount, of credit for the key's account") },
    )
    .get('/purchases', async ({ apiKey, query }) => purchasesJson(await listAccountPurchases(db, apiKey.accountId, readPurchasesPage(query))), {
      query: purchasesQuery,
      response: purchaseListSchema,
      detail: detail("The account's credit purchases, newest first, with their Stripe ids and receipts"),
    });
}
