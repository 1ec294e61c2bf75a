// GET /console/packs and POST /console/checkout against the local Stripe fake: the packs and
// their credits at credits_per_usd, the Checkout Session in payment mode as the fake received
// it (price_data in cents, setup_future_usage off_session, the account named, the credits in
// metadata), the customer made once across checkouts, and every bad input a 400 naming its field.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { creditsMicrosForCents } from '../../src/payments/packs';
import { readJson, type TestApp } from '../support/app';
import type { StripeCall } from '../support/fake-stripe/server';
import { checkout, createCheckoutWorld, createCustomer, type CheckoutWorld } from './checkout-support';
import { createPaymentsApp } from './support';

let world: CheckoutWorld;
let testApp: TestApp;

beforeAll(async () => {
  world = await createCheckoutWorld({ wallet: { credits_per_usd: 2.5, packs: [5, 19.99, 100], min_custom_usd: 2, max_custom_usd: 500 } });
  testApp = world.testApp;
});
afterAll(() => world.close());

const postCheckout = (key: string, body: unknown) => testApp.request('POST', '/console/checkout', { body, token: key });
const sessionCalls = (accountId: string): StripeCall[] => world.fake.calls.filter((call) => call.path === '/v1/checkout/sessions' && call.params.client_reference_id === accountId);

describe('GET /console/packs', () => {
  test('lists the configured packs with their credits and the custom bounds, as decimal strings', async () => {
    const { key } = await createCustomer(testApp);
    const response = await testApp.request('GET', '/console/packs', { token: key });
    expect(response.status).toBe(200);
    expect(await readJson(response)).toEqual({
      object: 'packs',
      currency: 'usd',
      credits_per_usd: '2.500000',
      packs: [
        { amount_usd: '5.00', credits: '12.500000' },
        { amount_usd: '19.99', credits: '49.975000' },
        { amount_usd: '100.00', credits: '250.000000' },
      ],
      custom: { min_usd: '2.00', max_usd: '500.00' },
    });
  });

  test('needs an API key', async () => {
    expect((await testApp.request('GET', '/console/packs')).status).toBe(401);
  });

  test('the defaults: $5 to $100 at one credit per dollar, custom from $1', async () => {
    const plain = await createPaymentsApp();
    try {
      const { key } = await createCustomer(plain);
      const body = await readJson(await plain.request('GET', '/console/packs', { token: key }));
      expect(body.packs.map((pack: { amount_usd: string; credits: string }) => `${pack.amount_usd}=${pack.credits}`)).toEqual(['5.00=5.000000', '10.00=10.000000', '20.00=20.000000', '50.00=50.000000', '100.00=100.000000']);
      expect(body.custom).toEqual({ min_usd: '1.00', max_usd: '10000.00' });
    } finally {
      await plain.close();
    }
  });
});

describe('POST /console/checkout', () => {
  test('a pack: a payment-mode session for its price in cents, the card saved for auto-refill, the account and the credits named', async () => {
    const { accountId, key } = await createCustomer(testApp);
    const session = await checkout(world, key, { pack: '19.99' });
    const customer = [...world.fake.customers.values()].find((candidate) => candidate.metadata.account_id === accountId)!;
    expect(sessionCalls(accountId).map((call) => call.params)).toEqual([
      {
        mode: 'payment',
        customer: customer.id,
        line_items: [{ quantity: '1', price_data: { currency: 'usd', unit_amount: '1999', product_data: { name: '49.975 credits (19.99 USD)' } } }],
        payment_intent_data: { setup_future_usage: 'off_session', metadata: { account_id: accountId, source: 'checkout' } },
        client_reference_id: accountId,
        metadata: { account_id: accountId, credits_micros: '49975000', pack: '19.99' },
        success_url: 'https://example.com/thanks',
      },
    ]);
    expect({ mode: session.mode, amount: session.amount_total, currency: session.currency, url: session.url?.startsWith('https://checkout.stripe.com/') }).toEqual({ mode: 'payment', amount: 1999, currency: 'usd', url: true });
  });

  test('a custom amount: its cents and credits; "2", "2.5" and "2.50" are all whole cents', async () => {
    const { accountId, key } = await createCustomer(testApp);
    for (const amount of ['2', '2.5', '499.99', '500']) await checkout(world, key, { amount_usd: amount });
    expect(sessionCalls(accountId).map((call) => [(call.params.line_items as any)[0].price_data.unit_amount, (call.params.metadata as any).credits_micros, (call.params.metadata as any).pack])).toEqual([
      ['200', '5000000', 'custom'],
      ['250', '6250000', 'custom'],
      ['49999', '1249975000', 'custom'],
      ['50000', '1250000000', 'custom'],
    ]);
  });

  test('the account\'s Stripe customer is made once, across packs, custom amounts and a subscription', async () => {
    const { accountId, key } = await createCustomer(testApp);
    const answers = await Promise.all([postCheckout(key, { pack: '5' }), postCheckout(key, { amount_usd: '7' }), postCheckout(key, { pack: '100.00' })]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect((await testApp.request('POST', '/console/subscribe', { body: { plan: 'pro' }, token: key })).status).toBe(200);
    const customers = [...world.fake.customers.values()].filter((candidate) => candidate.metadata.account_id === accountId);
    expect(customers.length).toBe(1);
    const used = world.fake.calls.filter((call) => call.path === '/v1/checkout/sessions' && call.params.client_reference_id === accountId).map((call) => call.params.customer);
    expect(used).toEqual(Array(4).fill(customers[0]!.id));
  });

  test('bad input is 400 naming the field, and Stripe is not called', async () => {
    const { accountId, key } = await createCustomer(testApp);
    const cases: [unknown, string | null][] = [
      [{}, 'pack'],
      [{ pack: '20' }, 'pack'],
      [{ pack: '5.001' }, 'pack'],
      [{ pack: 'five' }, 'pack'],
      [{ pack: 5 }, 'pack'],
      [{ pack: '' }, 'pack'],
      [{ pack: '5', amount_usd: '5' }, 'amount_usd'],
      [{ amount_usd: '1.99' }, 'amount_usd'],
      [{ amount_usd: '500.01' }, 'amount_usd'],
      [{ amount_usd: '10.005' }, 'amount_usd'],
      [{ amount_usd: '-5' }, 'amount_usd'],
      [{ amount_usd: '1e2' }, 'amount_usd'],
      [{ amount_usd: ' 10' }, 'amount_usd'],
      [{ amount_usd: 10 }, 'amount_usd'],
      [{ amount_usd: '9999999999' }, 'amount_usd'],
      [{ amount_usd: { toString: 1 } }, 'amount_usd'],
      [{ amount_usd: '10\u0000' }, 'amount_usd'],
      [{ pack: '5', coupon: 'FREE' }, 'coupon'],
    ];
    for (const [body, param] of cases) {
      const response = await postCheckout(key, body);
      const error = (await readJson(response)).error;
      expect({ body, status: response.status, code: error?.code, param: error?.param }).toEqual({ body, status: 400, code: 'invalid_request', param });
    }
    expect(sessionCalls(accountId)).toEqual([]);
    expect(world.fake.calls.filter((call) => JSON.stringify(call.params).includes(accountId))).toEqual([]);
  });

  test('Stripe failing is 502 stripe_error; without an API key, 401', async () => {
    const { key } = await createCustomer(testApp);
    world.fake.failNext(3);
    const failed = await postCheckout(key, { pack: '5' });
    expect({ status: failed.status, code: (await readJson(failed)).error.code }).toEqual({ status: 502, code: 'stripe_error' });
    expect((await postCheckout(key, { pack: '5' })).status).toBe(200);
    expect((await testApp.request('POST', '/console/checkout', { body: { pack: '5' } })).status).toBe(401);
  });

  test('without STRIPE_SECRET_KEY it is 503 stripe_not_configured (after the input is checked)', async () => {
    const bare = await createPaymentsApp();
    try {
      const { key } = await createCustomer(bare);
      const response = await bare.request('POST', '/console/checkout', { body: { pack: '5' }, token: key });
      expect({ status: response.status, code: (await readJson(response)).error.code }).toEqual({ status: 503, code: 'stripe_not_configured' });
      const bad = await bare.request('POST', '/console/checkout', { body: { pack: '6' }, token: key });
      expect({ status: bad.status, param: (await readJson(bad)).error.param }).toEqual({ status: 400, param: 'pack' });
    } finally {
      await bare.close();
    }
  });
});

describe('credits for an amount', () => {
  test('exact in micro-credits for any rate of at most 6 decimals, rounded down', () => {
    expect(creditsMicrosForCents(1999n, 1)).toBe(19_990_000n);
    expect(creditsMicrosForCents(1999n, 2.5)).toBe(49_975_000n);
    expect(creditsMicrosForCents(1n, 0.000001)).toBe(0n);
    expect(creditsMicrosForCents(99_999_999n, 1000)).toBe(999_999_990_000_000n);
    // 0.1 + 0.2 is not 0.3 in floating point; here it is, because the rate is read as a decimal.
    expect(creditsMicrosForCents(300n, 0.3)).toBe(900_000n);
    expect(creditsMicrosForCents(333n, 0.333333)).toBe(1_109_998n);
  });
});
