// POST /console/subscribe against the local Stripe fake: the account's customer is created once
// and remembered, and the Checkout Session is in subscription mode for the plan's price, naming
// the account; what the fake received is checked, not just what inferport answered.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createAccountWithKey, readJson, type TestApp } from '../support/app';
import { startFakeStripe, type FakeStripe, type StripeCall } from '../support/fake-stripe/server';
import { deliverEvent, subscriptionEvent } from '../support/fake-stripe/webhooks';
import { createPaymentsApp, planOf, processed } from './support';

let fake: FakeStripe;
let testApp: TestApp;

beforeAll(async () => {
  fake = startFakeStripe({ prices: ['price_basic_monthly', 'price_pro_monthly'] });
  testApp = await createPaymentsApp({
    raw: {
      plans: {
        basic: { stripe_price: 'price_basic_monthly' },
        pro: { stripe_price: 'price_pro_monthly' },
        internal: { requests_per_minute: 5 },
        misconfigured: { stripe_price: 'price_deleted_in_stripe' },
      },
      stripe: { api_base: fake.url, success_url: 'https://example.com/thanks', cancel_url: 'https://example.com/billing' },
    },
    env: { STRIPE_SECRET_KEY: fake.secretKey },
  });
});
afterAll(async () => {
  await testApp.close();
  await fake.stop();
});

const subscribe = (key: string, body: unknown) => testApp.request('POST', '/console/subscribe', { body, token: key });
const callsFor = (accountId: string, path: string): StripeCall[] =>
  fake.calls.filter((call) => call.path === path && (call.params.metadata as Record<string, string> | undefined)?.account_id === accountId);

async function storedCustomer(accountId: string): Promise<string | null> {
  const row = await testApp.context.db.selectFrom('accounts').select('stripe_customer_id').where('id', '=', accountId).executeTakeFirstOrThrow();
  return row.stripe_customer_id;
}

describe('POST /console/subscribe', () => {
  test('creates the customer once across two calls and answers each Checkout Session URL', async () => {
    const { accountId, key } = await createAccountWithKey(testApp);
    const first = await subscribe(key, { plan: 'basic' });
    const second = await subscribe(key, { plan: 'pro' });
    const answers = [await readJson(first), await readJson(second)];
    expect([first.status, second.status]).toEqual([200, 200]);

    const customerCalls = callsFor(accountId, '/v1/customers');
    expect(customerCalls.map((call) => call.params)).toEqual([{ name: 'test account', metadata: { account_id: accountId } }]);
    expect(customerCalls[0]!.idempotencyKey).toBe(`inferport-customer-${accountId}`);
    const customerId = [...fake.customers.values()].find((customer) => customer.metadata.account_id === accountId)!.id;
    expect(await storedCustomer(accountId)).toBe(customerId);

    const sessionCalls = callsFor(accountId, '/v1/checkout/sessions');
    expect(sessionCalls.map((call) => call.params)).toEqual(
      ['basic', 'pro'].map((plan) => ({
        mode: 'subscription',
        customer: customerId,
        line_items: [{ price: `price_${plan}_monthly`, quantity: '1' }],
        client_reference_id: accountId,
        metadata: { account_id: accountId, plan },
        subscription_data: { metadata: { account_id: accountId, plan } },
        success_url: 'https://example.com/thanks',
        cancel_url: 'https://example.com/billing',
      })),
    );
    // Each answer is the URL of the session the fake made for that call.
    const sessions = [...fake.sessions.values()].filter((session) => session.client_reference_id === accountId);
    expect(answers).toEqual(sessions.map((session) => ({ url: session.url })));
    expect(sessions.map((session) => [session.mode, session.customer, session.url?.startsWith('https://checkout.stripe.com/')])).toEqual([
      ['subscription', customerId, true],
      ['subscription', customerId, true],
    ]);
    // The SDK pins the API version its types describe.
    expect(new Set(fake.calls.map((call) => call.stripeVersion))).toEqual(new Set(['2026-10-28.endive']));
  });

  test('five checkouts at once for a new account still make one Stripe customer', async () => {
    const { accountId, key } = await createAccountWithKey(testApp);
    const responses = await Promise.all(Array.from({ length: 5 }, () => subscribe(key, { plan: 'basic' })));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    const customers = [...fake.customers.values()].filter((customer) => customer.metadata.account_id === accountId);
    expect(customers.length).toBe(1);
    expect(await storedCustomer(accountId)).toBe(customers[0]!.id);
    const sessionCustomers = new Set(callsFor(accountId, '/v1/checkout/sessions').map((call) => call.params.customer));
    expect(sessionCustomers).toEqual(new Set([customers[0]!.id]));
  });

  test('an unknown plan, or one without stripe_price, is 400 naming plan, and Stripe is not called', async () => {
    const { accountId, key } = await createAccountWithKey(testApp);
    for (const plan of ['gold', 'internal', 'toString', '__proto__']) {
      const response = await subscribe(key, { plan });
      const body = await readJson(response);
      expect({ plan, status: response.status, code: body.error.code, param: body.error.param }).toEqual({ plan, status: 400, code: 'invalid_request', param: 'plan' });
    }
    for (const body of [{}, { plan: '' }, { plan: 3 }, { plan: 'basic', extra: true }, { plan: { toString: 1 } }, { plan: 'basic\u0000' }, []]) {
      expect({ body, status: (await subscribe(key, body)).status }).toEqual({ body, status: 400 });
    }
    expect(fake.calls.filter((call) => JSON.stringify(call.params).includes(accountId))).toEqual([]);
    expect(await storedCustomer(accountId)).toBeNull();
  });

  test('without an API key it is 401', async () => {
    const response = await testApp.request('POST', '/console/subscribe', { body: { plan: 'basic' } });
    expect({ status: response.status, code: (await readJson(response)).error.code }).toEqual({ status: 401, code: 'invalid_api_key' });
  });

  test('Stripe failing is 502 stripe_error; the next call works', async () => {
    const { key } = await createAccountWithKey(testApp);
    // The SDK tries three times (maxNetworkRetries 2); all three fail.
    fake.failNext(3);
    const failed = await subscribe(key, { plan: 'basic' });
    expect({ status: failed.status, code: (await readJson(failed)).error.code }).toEqual({ status: 502, code: 'stripe_error' });
    expect((await subscribe(key, { plan: 'basic' })).status).toBe(200);
  });

  test('a plan whose price Stripe does not know is 502 stripe_error with Stripe\'s reason', async () => {
    const { key } = await createAccountWithKey(testApp);
    const response = await subscribe(key, { plan: 'misconfigured' });
    const body = await readJson(response);
    expect({ status: response.status, code: body.error.code }).toEqual({ status: 502, code: 'stripe_error' });
    expect(body.error.message).toContain("No such price: 'price_deleted_in_stripe'");
  });

  test('checkout, then the subscription Stripe creates from it: the plan follows its events', async () => {
    const { accountId, key } = await createAccountWithKey(testApp, { billing: 'plan' });
    expect((await subscribe(key, { plan: 'pro' })).status).toBe(200);
    const [call] = callsFor(accountId, '/v1/checkout/sessions');
    // What Stripe does when the customer pays: a subscription of the session's customer, price and subscription_data.
    const params = call!.params as { customer: string; line_items: { price: string }[]; subscription_data: { metadata: Record<string, string> } };
    const now = Math.floor(Date.now() / 1000);
    const subscription = { id: 'sub_from_checkout', customer: params.customer, status: 'active' as const, priceId: params.line_items[0]!.price, created: now, metadata: params.subscription_data.metadata };
    expect((await deliverEvent(testApp, subscriptionEvent('customer.subscription.created', subscription, now))).status).toBe(200);
    await processed(testApp);
    expect(await planOf(testApp, accountId)).toBe('pro');
  });
});

describe('without Stripe configured', () => {
  test('POST /console/subscribe is 503 stripe_not_configured', async () => {
    const bare = await createPaymentsApp({ raw: { plans: { basic: { stripe_price: 'price_basic_monthly' } } } });
    try {
      const { key } = await createAccountWithKey(bare);
      const response = await bare.request('POST', '/console/subscribe', { body: { plan: 'basic' }, token: key });
      const body = await readJson(response);
      expect({ status: response.status, code: body.error.code, type: body.error.type }).toEqual({ status: 503, code: 'stripe_not_configured', type: 'api_error' });
      expect(body.error.message).toContain('STRIPE_SECRET_KEY');
    } finally {
      await bare.close();
    }
  });
});
