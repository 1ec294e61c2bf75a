// PUT and GET /console/auto-refill: what the owner may set, what turning it on needs (a saved
// card, Stripe, no open dispute), and how a card gets saved (a payment or a setup made for
// off-session use, of the account's own customer). A refused request changes nothing.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createAccountWithKey, createTestApp, readJson } from '../support/app';
import { paymentIntentEvent } from '../support/fake-stripe/payment-events';
import { paymentIntentObject } from '../support/fake-stripe/payment-objects';
import { stripeId } from '../support/fake-stripe/objects';
import { createRefillCustomer, createRefillFixture, deliver, getAutoRefill, intentCalls, saveCard, setAutoRefill, stripeCustomerOf, walletOf, type RefillFixture } from './refill-support';

let fixture: RefillFixture;
beforeAll(async () => {
  fixture = await createRefillFixture();
});
afterAll(() => fixture.close());

const errorOf = async (response: Response) => ({ status: response.status, ...(await readJson(response)).error });

function checkoutIntent(customer: string, setupFutureUsage: 'off_session' | null, metadata: Record<string, string> = {}) {
  return paymentIntentObject({
    id: stripeId('pi'),
    created: Math.floor(fixture.clock.nowMs / 1000),
    amount: 1000,
    currency: 'usd',
    customer,
    paymentMethod: stripeId('pm'),
    status: 'succeeded',
    metadata,
    setupFutureUsage,
    latestCharge: stripeId('ch'),
    lastError: null,
  });
}

describe('auto-refill settings', () => {
  test('an account with no settings reads them off; turning on without a saved card is 409 and changes nothing', async () => {
    const customer = await createRefillCustomer(fixture, '5');
    const initial = await getAutoRefill(fixture, customer);
    expect(initial).toEqual({
      object: 'auto_refill',
      enabled: false,
      threshold: '0.000000',
      amount: '0.000000',
      payment_method: null,
      state: 'off',
      consecutive_failures: 0,
      retry_after: null,
      disabled_reason: null,
      action_required: null,
      last_attempt: null,
    });
    const refused = await setAutoRefill(fixture, customer, { enabled: true, threshold: '10', amount: '20' });
    expect(await errorOf(refused)).toMatchObject({ status: 409, code: 'payment_method_required', param: 'enabled' });
    expect(await getAutoRefill(fixture, customer)).toEqual(initial);
    // Off needs no card.
    const off = await setAutoRefill(fixture, customer, { enabled: false, threshold: '10', amount: '20' });
    expect(await readJson(off)).toMatchObject({ enabled: false, threshold: '10.000000', amount: '20.000000', state: 'off' });
  });

  test('bad thresholds and amounts are 400 naming the field, and change nothing', async () => {
    const customer = await createRefillCustomer(fixture, '5');
    await saveCard(fixture, customer);
    const before = await getAutoRefill(fixture, customer);
    const cases: [Record<string, unknown>, string][] = [
      [{ enabled: true, threshold: 'ten', amount: '20' }, 'threshold'],
      [{ enabled: true, threshold: '-1', amount: '20' }, 'threshold'],
      [{ enabled: true, threshold: '1000000001', amount: '20' }, 'threshold'],
      [{ enabled: true, threshold: '10', amount: '0.5' }, 'amount'], // below min_custom_usd ($1)
      [{ enabled: true, threshold: '10', amount: '1.005' }, 'amount'], // not whole cents
      [{ enabled: true, threshold: '10', amount: '1000.01' }, 'amount'], // above max_amount
      [{ enabled: true, threshold: '10' }, 'amount'],
      [{ enabled: 'yes', threshold: '10', amount: '20' }, 'enabled'],
    ];
    for (const [body, param] of cases) {
      const response = await setAutoRefill(fixture, customer, body);
      expect({ body, ...(await errorOf(response)) }).toMatchObject({ body, status: 400, param });
    }
    const extra = await setAutoRefill(fixture, customer, { enabled: true, threshold: '10', amount: '20', currency: 'eur' });
    expect(extra.status).toBe(400);
    expect(await getAutoRefill(fixture, customer)).toEqual(before);
    expect(intentCalls(fixture, customer.accountId)).toEqual([]);
  });

  test('a Checkout payment made for off-session use saves its card; one that was not, or of another customer, does not', async () => {
    const customer = await createRefillCustomer(fixture, '5');
    const page = await fixture.testApp.request('POST', '/console/auto-refill/card', { token: customer.key });
    const { url, expires_at } = await readJson(page);
    const session = [...fixture.stripe.sessions.values()].find((candidate) => candidate.url === url)!;
    expect({ mode: session.mode, account: session.metadata.account_id, expires_at }).toEqual({ mode: 'setup', account: customer.accountId, expires_at: new Date(session.expires_at * 1000).toISOString() });
    const customerId = await stripeCustomerOf(fixture, customer.accountId);

    await deliver(fixture, paymentIntentEvent('payment_intent.succeeded', checkoutIntent(customerId, null), fixture.clock.nowMs));
    await deliver(fixture, paymentIntentEvent('payment_intent.succeeded', checkoutIntent('cus_of_nobody_here', 'off_session', { account_id: customer.accountId }), fixture.clock.nowMs));
    expect((await getAutoRefill(fixture, customer)).payment_method).toBeNull();

    const saving = checkoutIntent(customerId, 'off_session');
    await deliver(fixture, paymentIntentEvent('payment_intent.succeeded', saving, fixture.clock.nowMs));
    expect((await getAutoRefill(fixture, customer)).payment_method).toBe(saving.payment_method);
    // None of these credits anything here: a Checkout's credit comes with its session, not its intent.
    expect((await walletOf(fixture, customer)).balance).toBe('5.000000');
  });

  test("a PaymentIntent naming another account's refill attempt credits nothing", async () => {
    const owner = await createRefillCustomer(fixture, '20');
    await saveCard(fixture, owner);
    fixture.stripe.payments.intentOutcomes.push('processing');
    await setAutoRefill(fixture, owner, { enabled: true, threshold: '25', amount: '10' });
    const attemptId = (await getAutoRefill(fixture, owner)).last_attempt.id;
    const stranger = await createRefillCustomer(fixture, '1');
    const forged = checkoutIntent(await stripeCustomerOf(fixture, owner.accountId), null, { account_id: stranger.accountId, refill_attempt_id: attemptId });
    await deliver(fixture, paymentIntentEvent('payment_intent.succeeded', forged, fixture.clock.nowMs));
    expect([(await walletOf(fixture, owner)).balance, (await walletOf(fixture, stranger)).balance]).toEqual(['20.000000', '1.000000']);
    expect((await getAutoRefill(fixture, owner)).last_attempt.status).toBe('processing');
  });

  test('without STRIPE_SECRET_KEY, turning auto-refill on and the card page answer 503', async () => {
    const testApp = await createTestApp({ wallet: { trial_credits: 0 } });
    try {
      const { key } = await createAccountWithKey(testApp);
      const on = await testApp.request('PUT', '/console/auto-refill', { body: { enabled: true, threshold: '1', amount: '5' }, token: key });
      const page = await testApp.request('POST', '/console/auto-refill/card', { token: key });
      expect([(await errorOf(on)).code, (await errorOf(page)).code]).toEqual(['stripe_not_configured', 'stripe_not_configured']);
      const off = await testApp.request('PUT', '/console/auto-refill', { body: { enabled: false, threshold: '1', amount: '5' }, token: key });
      expect(off.status).toBe(200);
    } finally {
      await testApp.close();
    }
  });
});
