// Issue 11, acceptance points 1 and 2, against the local Stripe fake: a checkout paid and its
// signed checkout.session.completed credit the wallet once, however often, concurrently or out
// of order the events come; a bad signature stores nothing; a crediting failure leaves the
// event in the inbox, and its retry credits exactly once. Asynchronous payments credit when paid.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'kysely';
import { expectAuditClean } from '../support/audit';
import type { TestApp } from '../support/app';
import { checkoutSessionEvent, sendDelivery, signDelivery } from '../support/fake-stripe/webhooks';
import { checkout, createCheckoutWorld, createCustomer, deliverCheckoutEvent, nowSeconds, purchasesOf, walletOf, type CheckoutWorld } from './checkout-support';
import { inboxRows, processed } from './support';

let world: CheckoutWorld;
let testApp: TestApp;

beforeAll(async () => {
  world = await createCheckoutWorld();
  testApp = world.testApp;
});
afterAll(() => world.close());

const purchaseRows = (accountId: string) => testApp.context.db.selectFrom('purchases').selectAll().where('account_id', '=', accountId).execute();

/** A checkout of `pack` by a new customer, paid by card on the fake. */
async function paidCheckout(pack = '20') {
  const customer = await createCustomer(testApp);
  const session = await checkout(world, customer.key, { pack });
  return { ...customer, session: world.fake.completeSession(session.id, 'paid') };
}

describe('checkout → checkout.session.completed → paid credit', () => {
  test('the paid credit appears once in the wallet, with its purchase and Stripe ids', async () => {
    const { accountId, key, session } = await paidCheckout('20');
    expect(await walletOf(testApp, key)).toMatchObject({ balance: '0.000000', paid: '0.000000' });
    await deliverCheckoutEvent(testApp, 'checkout.session.completed', session);
    expect(await walletOf(testApp, key)).toMatchObject({ balance: '20.000000', paid: '20.000000', promo: '0.000000' });
    const purchases = await purchasesOf(testApp, key);
    expect(purchases.map(({ source, amount, currency, credits, stripe_payment_intent_id, stripe_checkout_session_id }) => ({ source, amount, currency, credits, stripe_payment_intent_id, stripe_checkout_session_id }))).toEqual([
      { source: 'checkout', amount: '20.00', currency: 'usd', credits: '20.000000', stripe_payment_intent_id: session.payment_intent, stripe_checkout_session_id: session.id },
    ]);
    const ledger = (await (await testApp.request('GET', '/console/ledger', { token: key })).json()) as { data: { kind: string; amount: string; memo: string }[] };
    expect(ledger.data.map(({ kind, amount, memo }) => ({ kind, amount, memo }))).toEqual([{ kind: 'grant', amount: '20.000000', memo: `Stripe payment ${session.payment_intent} ${session.id}` }]);
    expect((await purchaseRows(accountId)).length).toBe(1);
    await expectAuditClean(testApp.context.db);
  });

  test('the same event delivered 10 times at once credits once', async () => {
    const { accountId, key, session } = await paidCheckout('50');
    const event = checkoutSessionEvent('checkout.session.completed', session, nowSeconds());
    // Stripe signs each delivery afresh.
    const deliveries = await Promise.all(Array.from({ length: 10 }, (_, index) => signDelivery(event, { timestampSeconds: nowSeconds() - index })));
    const statuses = await Promise.all(deliveries.map(async (delivery) => (await sendDelivery(testApp, delivery)).status));
    expect(statuses).toEqual(Array(10).fill(200));
    await processed(testApp);
    await testApp.context.stripeEvents.drain();
    expect((await inboxRows(testApp, event.id)).map((row) => row.status)).toEqual(['processed']);
    expect((await walletOf(testApp, key)).paid).toBe('50.000000');
    expect((await purchaseRows(accountId)).length).toBe(1);
    await expectAuditClean(testApp.context.db);
  });

  test('different events about one payment, concurrently and an older one after a newer one, credit once', async () => {
    const { accountId, key, session } = await paidCheckout('10');
    const created = nowSeconds();
    // Two distinct events of one payment processed at once: two transactions race for it.
    const completed = checkoutSessionEvent('checkout.session.completed', session, created);
    const again = checkoutSessionEvent('checkout.session.completed', session, created + 5);
    const { storeEvent } = await import('../../src/payments/inbox');
    for (const event of [completed, again]) await storeEvent(testApp.context.db, event, (await signDelivery(event)).payload, Date.now());
    const { StripeEventProcessor } = await import('../../src/payments/processor');
    const { STRIPE_EVENT_HANDLERS } = await import('../../src/payments/handlers');
    const replica = () => new StripeEventProcessor(testApp.context.db, { config: testApp.config, handlers: STRIPE_EVENT_HANDLERS, clearKeyCache: () => {}, now: Date.now });
    await Promise.all([replica().drain(), replica().drain()]);
    expect((await walletOf(testApp, key)).paid).toBe('10.000000');
    // Then an older event arrives after the newer ones: still nothing more.
    await deliverCheckoutEvent(testApp, 'checkout.session.completed', session, created - 3600);
    expect((await walletOf(testApp, key)).paid).toBe('10.000000');
    expect((await purchaseRows(accountId)).length).toBe(1);
    await expectAuditClean(testApp.context.db);
  });

  test('a bad signature is 400 invalid_signature and stores nothing', async () => {
    const { accountId, key, session } = await paidCheckout('5');
    const event = checkoutSessionEvent('checkout.session.completed', session, nowSeconds());
    const good = await signDelivery(event);
    const forged = await signDelivery(event, { secret: 'whsec_not_the_endpoint_secret' });
    const tampered = { payload: good.payload.replace('"amount_total": 500', '"amount_total": 50000'), signature: good.signature };
    expect(tampered.payload).not.toBe(good.payload);
    for (const delivery of [forged, tampered, { payload: good.payload, signature: '' }]) {
      const response = await sendDelivery(testApp, delivery);
      expect({ status: response.status, code: ((await response.json()) as any).error.code }).toEqual({ status: 400, code: 'invalid_signature' });
    }
    await processed(testApp);
    expect(await inboxRows(testApp, event.id)).toEqual([]);
    expect(await walletOf(testApp, key)).toMatchObject({ balance: '0.000000' });
    expect(await purchaseRows(accountId)).toEqual([]);
    await expectAuditClean(testApp.context.db);
  });

  test('a subscription-mode session is the subscribe flow\'s: completed, it credits nothing', async () => {
    const { key } = await createCustomer(testApp);
    expect((await testApp.request('POST', '/console/subscribe', { body: { plan: 'basic' }, token: key })).status).toBe(200);
    const session = [...world.fake.sessions.values()].at(-1)!;
    expect(session.mode).toBe('subscription');
    const event = await deliverCheckoutEvent(testApp, 'checkout.session.completed', world.fake.completeSession(session.id, 'paid'));
    expect((await inboxRows(testApp, event.id)).map((row) => row.status)).toEqual(['processed']);
    expect((await walletOf(testApp, key)).balance).toBe('0.000000');
  });
});

describe('a crediting failure', () => {
  test('the database failing mid-handler: the event stays in the inbox, nothing is credited, and the retry credits once', async () => {
    const { accountId, key, session } = await paidCheckout('20');
    // The handler's last write is the receipt's outbox row, after the grant and the purchase:
    // with its table gone, the database refuses that insert and the whole transaction rolls back.
    await sql`ALTER TABLE receipts RENAME TO receipts_away`.execute(testApp.context.db);
    let event;
    try {
      event = await deliverCheckoutEvent(testApp, 'checkout.session.completed', session);
    } finally {
      await sql`ALTER TABLE receipts_away RENAME TO receipts`.execute(testApp.context.db);
    }
    const [failed] = await inboxRows(testApp, event.id);
    expect({ status: failed?.status, attempts: failed?.attempts }).toEqual({ status: 'pending', attempts: 1 });
    expect(failed?.last_error).toContain('receipts');
    expect(await walletOf(testApp, key)).toMatchObject({ balance: '0.000000', paid: '0.000000' });
    expect(await purchaseRows(accountId)).toEqual([]);
    await expectAuditClean(testApp.context.db);

    const retryAtMs = Number(failed!.next_attempt_at_ms);
    expect(await testApp.context.stripeEvents.drain(retryAtMs)).toMatchObject({ [event.id]: 'processed' });
    expect((await walletOf(testApp, key)).paid).toBe('20.000000');
    // Later drains and a redelivery change nothing.
    await testApp.context.stripeEvents.drain(retryAtMs + 86_400_000);
    await deliverCheckoutEvent(testApp, 'checkout.session.completed', session);
    expect((await walletOf(testApp, key)).paid).toBe('20.000000');
    expect((await purchaseRows(accountId)).length).toBe(1);
    expect((await inboxRows(testApp, event.id)).map((row) => [row.status, row.attempts])).toEqual([['processed', 2]]);
    await expectAuditClean(testApp.context.db);
  });
});

describe('asynchronous payments', () => {
  test('completed unpaid credits nothing; async_payment_succeeded credits once', async () => {
    const { accountId, key } = await createCustomer(testApp);
    const opened = await checkout(world, key, { amount_usd: '12.34' });
    const unpaid = world.fake.completeSession(opened.id, 'unpaid');
    const completed = await deliverCheckoutEvent(testApp, 'checkout.session.completed', unpaid);
    expect((await inboxRows(testApp, completed.id)).map((row) => row.status)).toEqual(['processed']);
    expect((await walletOf(testApp, key)).balance).toBe('0.000000');

    const paid = world.fake.settleSession(opened.id);
    await deliverCheckoutEvent(testApp, 'checkout.session.async_payment_succeeded', paid);
    await deliverCheckoutEvent(testApp, 'checkout.session.async_payment_succeeded', paid);
    // The completed event again, late: unpaid in its snapshot, it changes nothing.
    await deliverCheckoutEvent(testApp, 'checkout.session.completed', unpaid);
    expect(await walletOf(testApp, key)).toMatchObject({ balance: '12.340000', paid: '12.340000' });
    const [purchase] = await purchaseRows(accountId);
    expect({ amount: BigInt(purchase!.amount_minor), intent: purchase?.stripe_payment_intent_id }).toEqual({ amount: 1234n, intent: paid.payment_intent as string });
    expect((await purchaseRows(accountId)).length).toBe(1);
    await expectAuditClean(testApp.context.db);
  });

  test('async_payment_failed records nothing', async () => {
    const { accountId, key } = await createCustomer(testApp);
    const opened = await checkout(world, key, { pack: '5' });
    const unpaid = world.fake.completeSession(opened.id, 'unpaid');
    await deliverCheckoutEvent(testApp, 'checkout.session.completed', unpaid);
    const failedEvent = await deliverCheckoutEvent(testApp, 'checkout.session.async_payment_failed', unpaid);
    expect((await inboxRows(testApp, failedEvent.id)).map((row) => row.status)).toEqual(['processed']);
    expect((await walletOf(testApp, key)).balance).toBe('0.000000');
    expect(await purchaseRows(accountId)).toEqual([]);
    await expectAuditClean(testApp.context.db);
  });
});
