// Acceptance (issue 11, point 4): auto-refill against the Stripe fake, driven by real charges
// through the gateway and by signed webhooks, on an injected clock. One PaymentIntent however
// often charges cross the threshold while it is pending; a decline backs off for an hour (none
// within it, a new one after); three failures in a row turn it off with an alert; a success is
// credited once however often it is delivered. What the fake received is asserted, not only
// what inferport answered.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { listAlerts } from '../../src/alerts/service';
import { expectAuditClean } from '../support/audit';
import { paymentIntentEvent } from '../support/fake-stripe/payment-events';
import {
  createRefillCustomer,
  createRefillFixture,
  deliver,
  getAutoRefill,
  HOUR_MS,
  intentCalls,
  saveCard,
  setAutoRefill,
  spend,
  stripeCustomerOf,
  walletOf,
  type RefillCustomer,
  type RefillFixture,
} from './refill-support';

// The SDK's own retries (Stripe unreachable) wait about a second each.
setDefaultTimeout(30_000);

let fixture: RefillFixture;
beforeAll(async () => {
  fixture = await createRefillFixture();
});
afterAll(() => fixture.close());
// Every scenario leaves the books balanced.
afterEach(() => expectAuditClean(fixture.testApp.context.db));

const SETTINGS = { enabled: true, threshold: '18', amount: '20' };

/** 20 paid credits, a saved card and auto-refill below 18: the third 1-credit charge crosses. */
async function refillingCustomer(): Promise<RefillCustomer & { card: string }> {
  const customer = await createRefillCustomer(fixture, '20');
  const card = await saveCard(fixture, customer);
  const response = await setAutoRefill(fixture, customer, SETTINGS);
  expect(response.status).toBe(200);
  return { ...customer, card };
}

const purchasesOf = (accountId: string) => fixture.testApp.context.db.selectFrom('purchases').selectAll().where('account_id', '=', accountId).execute();
const intentIdOf = (accountId: string, index = 0) => [...fixture.stripe.payments.intents.values()].filter((intent) => intent.metadata.account_id === accountId)[index]!.id;
const chat = (customer: RefillCustomer) => customer.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });

describe('auto-refill', () => {
  test('charges crossing the threshold 5 times (and 5 at once) while the first PaymentIntent is pending make one PaymentIntent; its success is credited once', async () => {
    const customer = await refillingCustomer();
    fixture.stripe.payments.intentOutcomes.push('processing');
    await spend(fixture, customer, 2);
    expect(intentCalls(fixture, customer.accountId)).toEqual([]); // 18 is not below 18
    await spend(fixture, customer, 1); // 17: the refill starts
    await spend(fixture, customer, 5); // 16 … 12, each charge below the threshold
    await Promise.all(Array.from({ length: 5 }, () => chat(customer))); // 7
    await fixture.testApp.context.autoRefill.whenIdle();
    await fixture.scheduler.runNow('auto-refill');

    const view = await getAutoRefill(fixture, customer);
    const calls = intentCalls(fixture, customer.accountId);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.params).toEqual({
      amount: '2000',
      currency: 'usd',
      customer: await stripeCustomerOf(fixture, customer.accountId),
      payment_method: customer.card,
      off_session: 'true',
      confirm: 'true',
      description: 'inferport auto-refill',
      metadata: { account_id: customer.accountId, refill_attempt_id: view.last_attempt.id },
    });
    expect(calls[0]!.idempotencyKey).toBe(`inferport-refill-${view.last_attempt.id}`);
    expect({ state: view.state, status: view.last_attempt.status, payment_intent: view.last_attempt.payment_intent }).toEqual({
      state: 'in_flight',
      status: 'processing',
      payment_intent: intentIdOf(customer.accountId),
    });
    expect((await walletOf(fixture, customer)).balance).toBe('7.000000'); // nothing credited while pending

    // The bank says yes: the same event twice, and another event about the same payment.
    const succeeded = paymentIntentEvent('payment_intent.succeeded', fixture.stripe.payments.settleIntent(intentIdOf(customer.accountId), 'succeeded'), fixture.clock.nowMs);
    await deliver(fixture, succeeded);
    await deliver(fixture, succeeded);
    await deliver(fixture, paymentIntentEvent('payment_intent.succeeded', fixture.stripe.payments.intents.get(intentIdOf(customer.accountId))!, fixture.clock.nowMs));

    expect((await walletOf(fixture, customer)).balance).toBe('27.000000');
    const purchases = await purchasesOf(customer.accountId);
    expect(purchases.map((row) => ({ source: row.source, credits: BigInt(row.credits_micros), cents: BigInt(row.amount_minor), intent: row.stripe_payment_intent_id }))).toEqual([
      { source: 'auto_refill', credits: 20_000_000n, cents: 2000n, intent: intentIdOf(customer.accountId) },
    ]);
    const after = await getAutoRefill(fixture, customer);
    expect({ state: after.state, status: after.last_attempt.status, failures: after.consecutive_failures }).toEqual({ state: 'ready', status: 'succeeded', failures: 0 });
    expect(intentCalls(fixture, customer.accountId)).toHaveLength(1);
    await expectAuditClean(fixture.testApp.context.db);
  });

  test('Stripe is called after the charge committed, off the request path: the request is answered while Stripe has not answered', async () => {
    const customer = await refillingCustomer();
    await spend(fixture, customer, 2);
    const pause = fixture.stripe.pauseNext('/v1/payment_intents');
    await chat(customer); // answered although the PaymentIntent call below is held
    const call = await pause.reached;
    // When Stripe is called, the charge and the attempt are committed (read from another connection).
    expect((await walletOf(fixture, customer)).balance).toBe('17.000000');
    const attempt = await fixture.testApp.context.db.selectFrom('auto_refill_attempts').selectAll().where('account_id', '=', customer.accountId).executeTakeFirstOrThrow();
    expect({ status: attempt.status, key: call.idempotencyKey }).toEqual({ status: 'pending', key: `inferport-refill-${attempt.id}` });
    pause.release();
    await fixture.testApp.context.autoRefill.whenIdle();
    expect((await getAutoRefill(fixture, customer)).last_attempt.status).toBe('processing');
  });

  test('a decline backs off for an hour: no second PaymentIntent within it, a new one after', async () => {
    const customer = await refillingCustomer();
    fixture.stripe.payments.intentOutcomes.push('card_declined');
    const declinedAtMs = fixture.clock.nowMs;
    await spend(fixture, customer, 3);
    const view = await getAutoRefill(fixture, customer);
    expect({ state: view.state, enabled: view.enabled, failures: view.consecutive_failures, status: view.last_attempt.status, code: view.last_attempt.failure_code }).toEqual({
      state: 'backing_off',
      enabled: true,
      failures: 1,
      status: 'failed',
      code: 'card_declined',
    });
    expect(view.retry_after).toBe(new Date(declinedAtMs + HOUR_MS).toISOString());
    // Stripe also sends payment_intent.payment_failed for that decline: it counts once.
    await deliver(fixture, paymentIntentEvent('payment_intent.payment_failed', fixture.stripe.payments.intents.get(intentIdOf(customer.accountId))!, fixture.clock.nowMs));
    expect((await getAutoRefill(fixture, customer)).consecutive_failures).toBe(1);

    fixture.clock.advance(30 * 60_000);
    await spend(fixture, customer, 2);
    fixture.clock.advance(30 * 60_000 - 1); // one millisecond before the hour is over
    await spend(fixture, customer, 1);
    await fixture.scheduler.runNow('auto-refill');
    expect(intentCalls(fixture, customer.accountId)).toHaveLength(1);

    fixture.clock.advance(1);
    await spend(fixture, customer, 1);
    const calls = intentCalls(fixture, customer.accountId);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.idempotencyKey).not.toBe(calls[0]!.idempotencyKey);
    expect((await getAutoRefill(fixture, customer)).last_attempt.status).toBe('processing');
    await expectAuditClean(fixture.testApp.context.db);
  });

  test('three failures in a row turn auto-refill off and record an alert; turning it on again starts afresh', async () => {
    const customer = await refillingCustomer();
    fixture.stripe.payments.intentOutcomes.push('card_declined', 'card_declined');
    await spend(fixture, customer, 3);
    fixture.clock.advance(HOUR_MS);
    await spend(fixture, customer, 1);
    expect(await listAlerts(fixture.testApp.context.db, customer.accountId)).toEqual([]);
    // The third fails later, by webhook: the PaymentIntent stays processing, then the bank declines it.
    fixture.stripe.payments.intentOutcomes.push('processing');
    fixture.clock.advance(HOUR_MS);
    await spend(fixture, customer, 1);
    const failed = paymentIntentEvent('payment_intent.payment_failed', fixture.stripe.payments.settleIntent(intentIdOf(customer.accountId, 2), 'card_declined'), fixture.clock.nowMs);
    await deliver(fixture, failed);
    await deliver(fixture, { ...failed, id: `${failed.id}x` }); // another delivery of that failure

    const view = await getAutoRefill(fixture, customer);
    expect({ enabled: view.enabled, state: view.state, reason: view.disabled_reason, failures: view.consecutive_failures }).toEqual({ enabled: false, state: 'off', reason: 'failures', failures: 3 });
    const alerts = await listAlerts(fixture.testApp.context.db, customer.accountId);
    expect(alerts.map((alert) => alert.kind)).toEqual(['auto_refill_disabled']);
    expect(alerts[0]!.message).toContain('failed 3 times in a row');

    fixture.clock.advance(2 * HOUR_MS);
    await spend(fixture, customer, 1);
    await fixture.scheduler.runNow('auto-refill');
    expect(intentCalls(fixture, customer.accountId)).toHaveLength(3);

    // The owner turns it on again: the failures are forgotten, and the low balance refills at once.
    expect((await setAutoRefill(fixture, customer, SETTINGS)).status).toBe(200);
    const again = await getAutoRefill(fixture, customer);
    expect({ enabled: again.enabled, reason: again.disabled_reason, failures: again.consecutive_failures, status: again.last_attempt.status }).toEqual({ enabled: true, reason: null, failures: 0, status: 'processing' });
    expect(intentCalls(fixture, customer.accountId)).toHaveLength(4);
  });

  test('authentication_required turns auto-refill off, alerts, and offers a Checkout page that saves the card again', async () => {
    const customer = await refillingCustomer();
    fixture.stripe.payments.intentOutcomes.push('authentication_required');
    await spend(fixture, customer, 3);
    const view = await getAutoRefill(fixture, customer);
    expect({ enabled: view.enabled, reason: view.disabled_reason, action: view.action_required, code: view.last_attempt.failure_code }).toEqual({
      enabled: false,
      reason: 'authentication_required',
      action: { type: 'authentication_required', url: null, expires_at: null },
      code: 'authentication_required',
    });
    expect((await listAlerts(fixture.testApp.context.db, customer.accountId)).map((alert) => alert.kind)).toEqual(['auto_refill_authentication_required']);

    // The scheduler's pass makes the page: a setup-mode Checkout Session of the account's customer.
    await fixture.scheduler.runNow('auto-refill');
    const withPage = await getAutoRefill(fixture, customer);
    const session = [...fixture.stripe.sessions.values()].find((candidate) => candidate.url === withPage.action_required.url);
    expect({ mode: session?.mode, customer: session?.customer, account: session?.metadata.account_id }).toEqual({
      mode: 'setup',
      customer: await stripeCustomerOf(fixture, customer.accountId),
      account: customer.accountId,
    });
    expect(withPage.action_required.expires_at).toBe(new Date(session!.expires_at * 1000).toISOString());

    const card = await saveCard(fixture, customer);
    const saved = await getAutoRefill(fixture, customer);
    expect({ card: saved.payment_method, action: saved.action_required, enabled: saved.enabled }).toEqual({ card, action: null, enabled: false });
    expect((await setAutoRefill(fixture, customer, SETTINGS)).status).toBe(200);
    expect(intentCalls(fixture, customer.accountId).map((call) => call.params.payment_method)).toEqual([customer.card, card]);
  });

  test('Stripe unreachable: the attempt waits and is sent again with the same idempotency key, making one PaymentIntent', async () => {
    const customer = await refillingCustomer();
    await spend(fixture, customer, 2);
    fixture.stripe.failNext(3); // the SDK's call and its two retries
    await spend(fixture, customer, 1);
    expect((await getAutoRefill(fixture, customer)).last_attempt.status).toBe('pending');
    await fixture.scheduler.runNow('auto-refill'); // not due yet: it waits a minute
    expect(intentCalls(fixture, customer.accountId)).toHaveLength(3);

    fixture.clock.advance(60_000);
    await fixture.scheduler.runNow('auto-refill');
    const calls = intentCalls(fixture, customer.accountId);
    expect(calls).toHaveLength(4);
    expect(new Set(calls.map((call) => call.idempotencyKey)).size).toBe(1);
    expect([...fixture.stripe.payments.intents.values()].filter((intent) => intent.metadata.account_id === customer.accountId)).toHaveLength(1);
    expect((await getAutoRefill(fixture, customer)).last_attempt.status).toBe('processing');
  });
});
