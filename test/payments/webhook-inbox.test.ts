// POST /webhooks/stripe and its inbox (STYLE rule 12): a delivery is verified, stored once and
// answered 200 only once stored; processing happens from the inbox, is retried after a failure,
// and never handles an event twice.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { EVENT_ATTEMPTS_MAX, retryDelayMs } from '../../src/payments/processor';
import { readJson, type TestApp } from '../support/app';
import { eventObject, stripeId } from '../support/fake-stripe/objects';
import Stripe from 'stripe';
import { deliverEvent, sendDelivery, signDelivery, subscriptionEvent, WEBHOOK_SECRET } from '../support/fake-stripe/webhooks';
import { createAccount, createPaymentsApp, inboxRows, planOf, probeHandlers, processed } from './support';

const probe = probeHandlers();
let testApp: TestApp;

beforeAll(async () => {
  testApp = await createPaymentsApp({ probe });
});
afterAll(() => testApp.close());

const nowSeconds = () => Math.floor(Date.now() / 1000);

function subscriptionCreated(accountId: string, eventId = stripeId('evt')) {
  const subscription = { id: stripeId('sub'), customer: stripeId('cus'), status: 'active' as const, priceId: 'price_basic_monthly', created: nowSeconds(), metadata: { account_id: accountId } };
  return subscriptionEvent('customer.subscription.created', subscription, nowSeconds(), eventId);
}

describe('signature', () => {
  test('a bad signature is 400 invalid_signature, in OpenAI error JSON, and stores nothing', async () => {
    const accountId = await createAccount(testApp);
    const event = subscriptionCreated(accountId);
    const good = await signDelivery(event);
    const wrongSecret = await signDelivery(event, { secret: 'whsec_someone_else' });
    const stale = await signDelivery(event, { timestampSeconds: nowSeconds() - 301 });
    const cases = {
      'signed with another secret': wrongSecret,
      'body changed after signing': { payload: good.payload.replace('"active"', '"trialing"'), signature: good.signature },
      'signature older than the tolerance': stale,
      'no signature header': { payload: good.payload, signature: '' },
      'garbage header': { payload: good.payload, signature: 't=1,v1=00' },
    };
    for (const [name, delivery] of Object.entries(cases)) {
      const response = await sendDelivery(testApp, delivery);
      const body = await readJson(response);
      expect({ name, status: response.status, code: body.error?.code, type: body.error?.type, param: body.error?.param }).toEqual({
        name, status: 400, code: 'invalid_signature', type: 'invalid_request_error', param: 'stripe-signature',
      });
    }
    await processed(testApp);
    expect(await inboxRows(testApp, event.id)).toEqual([]);
    expect(probe.calls).not.toContain(event.id);
    expect(await planOf(testApp, accountId)).toBeNull();
  });

  test('a signed body that is not a usable event is 400 naming the field, and stores nothing', async () => {
    const base = { id: stripeId('evt'), object: 'event', type: 'invoice.paid', created: nowSeconds(), data: { object: {} } };
    const cases: [string, unknown, string | null][] = [
      ['id', { ...base, id: 'not-an-event-id' }, 'id'],
      ['id', { ...base, id: { toString: 1 } }, 'id'],
      ['type', { ...base, type: { valueOf: 1 } }, 'type'],
      ['type', { ...base, type: 'Invoice Paid' }, 'type'],
      ['created', { ...base, created: '1700000000' }, 'created'],
      ['created', { ...base, created: 1.5 }, 'created'],
      ['data', { ...base, data: { object: 'in_1' } }, 'data'],
      ['data', { ...base, data: [{ toString: 1 }] }, 'data'],
      ['body', [base], 'id'],
    ];
    for (const [name, event, param] of cases) {
      const response = await deliverEvent(testApp, event as object);
      const body = await readJson(response);
      expect({ name, status: response.status, code: body.error?.code, param: body.error?.param }).toEqual({ name, status: 400, code: 'invalid_request', param });
    }
    // An empty body, signed: there is nothing to parse, which is a 400 too, not a parser's 500.
    const empty = await sendDelivery(testApp, await signDelivery({}).then((delivery) => ({ ...delivery, payload: '' })));
    expect(empty.status).toBe(400);
    const signedEmpty = await Stripe.webhooks.generateTestHeaderStringAsync({ payload: '', secret: WEBHOOK_SECRET });
    const emptySigned = await sendDelivery(testApp, { payload: '', signature: signedEmpty });
    expect({ status: emptySigned.status, code: (await readJson(emptySigned)).error.code }).toEqual({ status: 400, code: 'invalid_json' });
    expect((await inboxRows(testApp)).filter((row) => row.type === 'invoice.paid' || !row.id.startsWith('evt_'))).toEqual([]);
  });

  test('a correct signature within the tolerance is accepted', async () => {
    const accountId = await createAccount(testApp);
    const event = subscriptionCreated(accountId);
    const response = await sendDelivery(testApp, await signDelivery(event, { timestampSeconds: nowSeconds() - 200 }));
    expect({ status: response.status, body: await readJson(response) }).toEqual({ status: 200, body: { received: true } });
    await processed(testApp);
    expect(await planOf(testApp, accountId)).toBe('basic');
  });

  test('without STRIPE_WEBHOOK_SECRET the route is 503 stripe_not_configured and stores nothing', async () => {
    const unconfigured = await createPaymentsApp({ env: { STRIPE_WEBHOOK_SECRET: '' } });
    try {
      const event = eventObject({ id: stripeId('evt'), type: 'customer.created', created: nowSeconds(), object: { id: 'cus_x', object: 'customer' } });
      const response = await deliverEvent(unconfigured, event);
      expect({ status: response.status, code: (await readJson(response)).error.code }).toEqual({ status: 503, code: 'stripe_not_configured' });
      expect(await inboxRows(unconfigured)).toEqual([]);
    } finally {
      await unconfigured.close();
    }
  });
});

describe('storing once', () => {
  test('a duplicate delivery answers 200, adds no row, and the event is handled once', async () => {
    const accountId = await createAccount(testApp);
    const event = subscriptionCreated(accountId);
    const first = await signDelivery(event);
    // Stripe signs each delivery afresh; a retry carries a new timestamp and signature.
    const again = await signDelivery(event, { timestampSeconds: nowSeconds() - 5 });
    for (const delivery of [first, again, first]) {
      const response = await sendDelivery(testApp, delivery);
      expect(response.status).toBe(200);
      await processed(testApp);
    }
    const rows = await inboxRows(testApp, event.id);
    expect(rows.map(({ id, type, status, attempts, payload }) => ({ id, type, status, attempts, payload }))).toEqual([
      { id: event.id, type: 'customer.subscription.created', status: 'processed', attempts: 1, payload: first.payload },
    ]);
    expect(Number(rows[0]!.created_at_ms)).toBe(event.created * 1000);
    expect(probe.calls.filter((id) => id === event.id)).toEqual([event.id]);
    expect(await planOf(testApp, accountId)).toBe('basic');
  });

  test('the same event delivered 10 times at once: ten 200s, one row, handled once', async () => {
    const accountId = await createAccount(testApp);
    const event = subscriptionCreated(accountId);
    const deliveries = await Promise.all(Array.from({ length: 10 }, (_, index) => signDelivery(event, { timestampSeconds: nowSeconds() - index })));
    const statuses = await Promise.all(deliveries.map(async (delivery) => (await sendDelivery(testApp, delivery)).status));
    expect(statuses).toEqual(Array(10).fill(200));
    await processed(testApp);
    await testApp.context.stripeEvents.drain();
    expect((await inboxRows(testApp, event.id)).map((row) => [row.status, row.attempts])).toEqual([['processed', 1]]);
    expect(probe.calls.filter((id) => id === event.id).length).toBe(1);
  });
});

describe('processing', () => {
  test('an event of a type with no handler is answered 200, logged and marked processed', async () => {
    const event = eventObject({ id: stripeId('evt'), type: 'invoice.finalized', created: nowSeconds(), object: { id: 'in_1', object: 'invoice' } });
    const response = await deliverEvent(testApp, event);
    expect({ status: response.status, body: await readJson(response) }).toEqual({ status: 200, body: { received: true } });
    await processed(testApp);
    const [row] = await inboxRows(testApp, event.id);
    expect({ status: row?.status, attempts: row?.attempts, error: row?.last_error, processed: row?.processed_at_ms !== null }).toEqual({
      status: 'processed', attempts: 1, error: null, processed: true,
    });
  });

  test('a handler that fails once: the 200 was sent, the event waits, and the retry handles it', async () => {
    const accountId = await createAccount(testApp);
    const event = subscriptionCreated(accountId);
    probe.failNext(event.id, 1);
    const response = await deliverEvent(testApp, event);
    expect(response.status).toBe(200);
    await processed(testApp);

    const [failed] = await inboxRows(testApp, event.id);
    expect({ status: failed?.status, attempts: failed?.attempts, error: failed?.last_error }).toEqual({ status: 'pending', attempts: 1, error: `Error: injected failure of ${event.id}` });
    // The failed attempt wrote nothing: its transaction rolled back.
    expect(await planOf(testApp, accountId)).toBeNull();
    const retryAtMs = Number(failed!.next_attempt_at_ms);
    expect(retryAtMs - Number(failed!.received_at_ms)).toBeGreaterThanOrEqual(retryDelayMs(1));

    // Not due before its back-off: a drain just before leaves it alone.
    expect((await testApp.context.stripeEvents.drain(retryAtMs - 1))[event.id]).toBeUndefined();
    expect(await testApp.context.stripeEvents.drain(retryAtMs)).toMatchObject({ [event.id]: 'processed' });
    const [done] = await inboxRows(testApp, event.id);
    expect({ status: done?.status, attempts: done?.attempts }).toEqual({ status: 'processed', attempts: 2 });
    expect(probe.calls.filter((id) => id === event.id).length).toBe(2);
    expect(await planOf(testApp, accountId)).toBe('basic');
    // Processed events are not taken up again.
    expect((await testApp.context.stripeEvents.drain(retryAtMs + 86_400_000))[event.id]).toBeUndefined();
  });

  test('an event that keeps failing is retried with back-off, then given up as failed, still stored', async () => {
    const accountId = await createAccount(testApp);
    const event = subscriptionCreated(accountId);
    probe.failNext(event.id, EVENT_ATTEMPTS_MAX);
    expect((await deliverEvent(testApp, event)).status).toBe(200);
    await processed(testApp);
    for (let attempt = 2; attempt <= EVENT_ATTEMPTS_MAX; attempt++) {
      const [row] = await inboxRows(testApp, event.id);
      expect({ attempt, status: row?.status }).toEqual({ attempt, status: 'pending' });
      const outcomes = await testApp.context.stripeEvents.drain(Number(row!.next_attempt_at_ms));
      expect(outcomes[event.id]).toBe(attempt < EVENT_ATTEMPTS_MAX ? 'retry' : 'failed');
    }
    const [row] = await inboxRows(testApp, event.id);
    expect({ status: row?.status, attempts: row?.attempts, next: row?.next_attempt_at_ms, payload: row?.payload.length! > 0 }).toEqual({
      status: 'failed', attempts: EVENT_ATTEMPTS_MAX, next: null, payload: true,
    });
    expect(await planOf(testApp, accountId)).toBeNull();
  });

  test('a signed event whose subscription object is unusable is marked failed at once, not retried', async () => {
    const event = eventObject({ id: stripeId('evt'), type: 'customer.subscription.updated', created: nowSeconds(), object: { id: 'sub_x', object: 'subscription' } });
    expect((await deliverEvent(testApp, event)).status).toBe(200);
    await processed(testApp);
    const [row] = await inboxRows(testApp, event.id);
    expect({ status: row?.status, attempts: row?.attempts }).toEqual({ status: 'failed', attempts: 1 });
    expect(row?.last_error).toContain('does not carry a subscription');
  });

  test('an event stored while no processor ran (a crash after the insert) is handled by the next drain', async () => {
    const accountId = await createAccount(testApp);
    const event = subscriptionCreated(accountId);
    const delivery = await signDelivery(event);
    // Stored as the route stores it, with no kick: as if the process died right after the insert.
    const { storeEvent } = await import('../../src/payments/inbox');
    expect(await storeEvent(testApp.context.db, { id: event.id, type: event.type, created: event.created }, delivery.payload, Date.now())).toBe(true);
    expect((await inboxRows(testApp, event.id))[0]?.status).toBe('pending');
    expect(await testApp.context.stripeEvents.drain()).toMatchObject({ [event.id]: 'processed' });
    expect(await planOf(testApp, accountId)).toBe('basic');
  });

  test('two processors (two replicas) draining one inbox at once handle each event exactly once', async () => {
    const { storeEvent } = await import('../../src/payments/inbox');
    const { StripeEventProcessor } = await import('../../src/payments/processor');
    const replicas = probeHandlers();
    const accounts = await Promise.all(Array.from({ length: 20 }, () => createAccount(testApp)));
    const events = accounts.map((accountId) => subscriptionCreated(accountId));
    for (const event of events) {
      const { payload } = await signDelivery(event);
      await storeEvent(testApp.context.db, { id: event.id, type: event.type, created: event.created }, payload, Date.now());
    }
    const processor = () => new StripeEventProcessor(testApp.context.db, { config: testApp.config, handlers: replicas.handlers, clearKeyCache: () => {}, now: Date.now });
    const outcomes = await Promise.all([processor().drain(), processor().drain()]);
    const ids = events.map((event) => event.id).sort();
    expect([...replicas.calls].sort()).toEqual(ids);
    // Each event was processed by exactly one of them; the other skipped it or never saw it.
    for (const id of ids) expect({ id, processed: outcomes.filter((outcome) => outcome[id] === 'processed').length }).toEqual({ id, processed: 1 });
    expect(await Promise.all(accounts.map((accountId) => planOf(testApp, accountId)))).toEqual(accounts.map(() => 'basic'));
  });
});
