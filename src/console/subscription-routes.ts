// POST /console/subscribe: a Stripe Checkout URL for a plan subscription of the key's account.
// The plan changes when Stripe's subscription events arrive (src/payments), not here.
import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { apiKeyAuth, API_KEY_SECURITY } from '../http/api-key-auth';
import { refuseHostileInput } from '../http/hostile-input';
import { checkoutAnswer, subscribeBody } from '../payments/model';
import * as checkout from '../payments/checkout';

export function consoleSubscriptionRoutes(context: AppContext) {
  const { db, stripe, now } = context;
  return new Elysia({ prefix: '/console' })
    .use(apiKeyAuth(context))
    .use(refuseHostileInput())
    .post('/subscribe', ({ apiKey, body }) => checkout.createSubscriptionCheckout(db, stripe, context.config, { accountId: apiKey.accountId, plan: body.plan }, now()), {
      body: subscribeBody,
      response: checkoutAnswer,
      detail: {
        summary: "A Stripe Checkout URL that subscribes the key's account to a plan (the plan needs a stripe_price)",
        tags: ['console'],
        security: API_KEY_SECURITY,
      },
    });
}
