// Acceptance (issue 10, point 5): subscription webhooks set the account's plan; delivered in
// order, reversed, or replayed twice, the final plan is the newest event's. Also: which
// statuses keep a plan, how the account is found, several subscriptions, and admin changes.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import * as stripeAccounts from '../../src/accounts/stripe';
import { authenticateKey } from '../../src/keys/auth';
import { createAccountWithKey, readJson, type TestApp } from '../support/app';
import { stripeId, type SubscriptionInput } from '../support/fake-stripe/objects';
import { deliverEvent, subscriptionEvent } from '../support/fake-stripe/webhooks';
import { createAccount, createPaymentsApp, planOf, processed } from './support';

let testApp: TestApp;
beforeAll(async () => {
  // A long key cache, so that a plan seen through a key after an event proves the cache was cleared.
  testApp = await createPaymentsApp({ raw: { cache: { key_ttl_ms: 60_000 } } });
});
afterAll(() => testApp.close());

const BASIC = 'price_basic_monthly';
const PRO = 'price_pro_monthly';
/** Event times in seconds, well in the past of any admin change a test makes. */
const T = Math.floor(Date.now() / 1000) - 3600;

type SubscriptionEvent = ReturnType<typeof subscriptionEvent>;

function subscriptionOf(accountId: string, overrides: Partial<SubscriptionInput> = {}): SubscriptionInput {
  return { id: stripeId('sub'), customer: stripeId('cus'), status: 'active', priceId: BASIC, created: T, metadata: { account_id: accountId }, ...overrides };
}

/** Delivers each event and lets it be processed before the next, as separate webhook calls are. */
async function deliverAll(events: readonly SubscriptionEvent[]): Promise<void> {
  for (const event of events) {
    const response = await deliverEvent(testApp, event);
    expect({ event: event.id, status: response.status }).toEqual({ event: event.id, status: 200 });
    await processed(testApp);
  }
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

/** created(basic) → updated(pro) → deleted, one subscription, ten seconds apart. */
function lifecycle(accountId: string) {
  const subscription = subscriptionOf(accountId);
  return [
    subscriptionEvent('customer.subscription.created', subscription, T),
    subscriptionEvent('customer.subscription.updated', { ...subscription, priceId: PRO }, T + 10),
    subscriptionEvent('customer.subscription.deleted', { ...subscription, priceId: PRO, status: 'canceled' }, T + 20),
  ];
}

/** created(basic) → updated(pro) → updated(basic again). */
function planChanges(accountId: string) {
  const subscription = subscriptionOf(accountId);
  return [
    subscriptionEvent('customer.subscription.created', subscription, T),
    subscriptionEvent('customer.subscription.updated', { ...subscription, priceId: PRO }, T + 10),
    subscriptionEvent('customer.subscription.updated', { ...subscription, priceId: BASIC }, T + 20),
  ];
}

describe('one subscription, any order of delivery', () => {
  test('in order, each event sets the plan: basic, then pro, then none', async () => {
    const accountId = await createAccount(testApp);
    const plans: (string | null)[] = [];
    for (const event of lifecycle(accountId)) {
      await deliverAll([event]);
      plans.push(await planOf(testApp, accountId));
    }
    expect(plans).toEqual(['basic', 'pro', null]);
  });

  const orders = {
    'in order': [0, 1, 2],
    reversed: [2, 1, 0],
    'in order, twice': [0, 1, 2, 0, 1, 2],
    'reversed, twice': [2, 1, 0, 2, 1, 0],
    'shuffled, twice': [1, 0, 2, 2, 0, 1],
    'newest first, then the rest twice': [2, 0, 1, 1, 0],
  };
  for (const [name, order] of Object.entries(orders)) {
    test(`created → updated → deleted, ${name}: no plan (the newest event's)`, async () => {
      const accountId = await createAccount(testApp);
      const events = lifecycle(accountId);
      await deliverAll(order.map((index) => events[index]!));
      expect(await planOf(testApp, accountId)).toBeNull();
    });
    test(`created(basic) → updated(pro) → updated(basic), ${name}: basic (the newest event's)`, async () => {
      const accountId = await createAccount(testApp);
      const events = planChanges(accountId);
      await deliverAll(order.map((index) => events[index]!));
      expect(await planOf(testApp, accountId)).toBe('basic');
    });
  }

  test('every order of created(basic) → updated(pro), each event delivered twice: pro', async () => {
    const accountId = await createAccount(testApp);
    const [created, updated] = lifecycle(accountId);
    for (const order of permutations([created!, created!, updated!, updated!])) {
      await deliverAll(order);
      expect(await planOf(testApp, accountId)).toBe('pro');
    }
  });

  test('events of the same second: the later event id wins, and a deleted subscription stays deleted', async () => {
    const accountId = await createAccount(testApp);
    const subscription = subscriptionOf(accountId);
    const toPro = subscriptionEvent('customer.subscription.updated', { ...subscription, priceId: PRO }, T, 'evt_0002');
    const toBasic = subscriptionEvent('customer.subscription.updated', subscription, T, 'evt_0001');
    await deliverAll([toPro, toBasic]);
    expect(await planOf(testApp, accountId)).toBe('pro');
    // Stripe sends "updated" and "deleted" of a cancellation in one second; their ids say nothing.
    const deleted = subscriptionEvent('customer.subscription.deleted', { ...subscription, status: 'canceled' }, T + 5, 'evt_0003');
    const late = subscriptionEvent('customer.subscription.updated', subscription, T + 5, 'evt_0009');
    await deliverAll([deleted, late]);
    expect(await planOf(testApp, accountId)).toBeNull();
  });
});

describe('what a subscription grants', () => {
  const statuses: [SubscriptionInput['status'], string | null][] = [
    ['active', 'pro'],
    ['trialing', 'pro'],
    // Stripe is still retrying the renewal: the plan stays until it gives up (canceled or unpaid).
    ['past_due', 'pro'],
    ['incomplete', null],
    ['unpaid', null],
    ['paused', null],
    ['incomplete_expired', null],
    ['canceled', null],
  ];
  for (const [status, plan] of statuses) {
    test(`an active basic subscription updated to pro and ${status}: ${plan ?? 'no plan'}`, async () => {
      const accountId = await createAccount(testApp);
      const subscription = subscriptionOf(accountId);
      await deliverAll([subscriptionEvent('customer.subscription.created', subscription, T)]);
      expect(await planOf(testApp, accountId)).toBe('basic');
      await deliverAll([subscriptionEvent('customer.subscription.updated', { ...subscription, priceId: PRO, status }, T + 10)]);
      expect(await planOf(testApp, accountId)).toBe(plan);
    });
  }

  test('an active subscription to a price no plan has grants no plan', async () => {
    const accountId = await createAccount(testApp);
    await deliverAll([subscriptionEvent('customer.subscription.created', subscriptionOf(accountId, { priceId: 'price_unknown' }), T)]);
    expect(await planOf(testApp, accountId)).toBeNull();
  });

  test('without metadata the account is found by its remembered Stripe customer', async () => {
    const accountId = await createAccount(testApp);
    const customer = await stripeAccounts.rememberStripeCustomer(testApp.context.db, accountId, stripeId('cus'), Date.now());
    await deliverAll([subscriptionEvent('customer.subscription.created', subscriptionOf(accountId, { customer, metadata: {} }), T)]);
    expect(await planOf(testApp, accountId)).toBe('basic');
  });

  test('a subscription of no account here is ignored and its event marked processed', async () => {
    const event = subscriptionEvent('customer.subscription.created', subscriptionOf('acct_not_here', { metadata: { account_id: 'acct_not_here' } }), T);
    await deliverAll([event]);
    const row = await testApp.context.db.selectFrom('stripe_events').select(['status', 'last_error']).where('id', '=', event.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'processed', last_error: null });
  });

  test('two subscriptions: the newest active one decides; ending the older changes nothing, in any order', async () => {
    for (const order of permutations([0, 1, 2])) {
      const accountId = await createAccount(testApp);
      const older = subscriptionOf(accountId, { created: T, priceId: BASIC });
      const newer = subscriptionOf(accountId, { created: T + 100, priceId: PRO });
      const events = [
        subscriptionEvent('customer.subscription.created', older, T),
        subscriptionEvent('customer.subscription.created', newer, T + 100),
        subscriptionEvent('customer.subscription.deleted', { ...older, status: 'canceled' }, T + 200),
      ];
      await deliverAll(order.map((index) => events[index]!));
      expect({ order, plan: await planOf(testApp, accountId) }).toEqual({ order, plan: 'pro' });
      // Ending the newer one too leaves no plan.
      await deliverAll([subscriptionEvent('customer.subscription.deleted', { ...newer, status: 'canceled' }, T + 300)]);
      expect({ order, plan: await planOf(testApp, accountId) }).toEqual({ order, plan: null });
    }
  });
});

describe('with the admin and the key cache', () => {
  test('a plan given at account creation is an admin choice too: older events leave it', async () => {
    const accountId = await createAccount(testApp, { plan: 'internal' });
    await deliverAll([subscriptionEvent('customer.subscription.created', subscriptionOf(accountId), T)]);
    expect(await planOf(testApp, accountId)).toBe('internal');
  });

  test('PUT /admin/accounts/:id/plan wins over events created before it; a later event decides again', async () => {
    const accountId = await createAccount(testApp);
    const subscription = subscriptionOf(accountId);
    await deliverAll([subscriptionEvent('customer.subscription.created', subscription, T)]);
    expect(await planOf(testApp, accountId)).toBe('basic');

    const put = await testApp.admin('PUT', `/admin/accounts/${accountId}/plan`, { plan: 'internal' });
    expect({ status: put.status, plan: (await readJson(put)).plan }).toEqual({ status: 200, plan: 'internal' });
    // A retried delivery of an update Stripe made before the admin's change: recorded, but the admin's plan stays.
    await deliverAll([subscriptionEvent('customer.subscription.updated', { ...subscription, priceId: PRO }, T + 10)]);
    expect(await planOf(testApp, accountId)).toBe('internal');
    // The subscription changes after the admin's change: the subscription decides again.
    const after = Math.floor(Date.now() / 1000) + 5;
    await deliverAll([subscriptionEvent('customer.subscription.updated', { ...subscription, priceId: PRO }, after)]);
    expect(await planOf(testApp, accountId)).toBe('pro');
  });

  test("an applied event clears this replica's key cache: the key carries the new plan at once", async () => {
    const { accountId, key } = await createAccountWithKey(testApp, { billing: 'plan' });
    const { db, keyCache } = testApp.context;
    const planThroughKey = async () => (await authenticateKey(db, keyCache, `Bearer ${key}`, Date.now())).accountPlan;
    expect(await planThroughKey()).toBeNull();
    const subscription = subscriptionOf(accountId);
    await deliverAll([subscriptionEvent('customer.subscription.created', subscription, T)]);
    expect(await planThroughKey()).toBe('basic');
    await deliverAll([subscriptionEvent('customer.subscription.deleted', { ...subscription, status: 'canceled' }, T + 10)]);
    expect(await planThroughKey()).toBeNull();
  });
});
