// Acceptance (issue 12, point 4): the low-balance alert, driven by real charges through the
// gateway on an injected clock. It fires once when the balance crosses the threshold downward
// (not per request below it), and again only after the balance went back above it (a grant,
// seen by the scheduler's pass); the receiving server verifies every signature; a receiver that
// fails twice gets the alert on the third try, once.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { deliveryRetryDelayMs } from '../../src/alerts/deliverer';
import { listAlerts } from '../../src/alerts/service';
import { evaluateLowBalance } from '../../src/alerts/low-balance';
import { walletOf } from '../payments/refill-support';
import { alertedCustomer, createAlertWorld, getAlerts, historyOf, putAlerts, settle, spendCredits, webhooksOf, type AlertWorld } from './support';

let world: AlertWorld;
beforeAll(async () => {
  world = await createAlertWorld();
});
afterAll(() => world.close());

const lowBalanceAlerts = async (accountId: string) => (await listAlerts(world.fixture.testApp.context.db, accountId)).filter((alert) => alert.kind === 'low_balance');

describe('low balance', () => {
  test('fires once per downward crossing, signed; re-armed only once the balance is back above the threshold', async () => {
    const customer = await alertedCustomer(world, '20', { low_balance_threshold: '18' });
    expect((await getAlerts(world, customer)).low_balance_state).toBe('armed');
    await spendCredits(world, customer, 2); // 18: not below 18
    expect(await lowBalanceAlerts(customer.accountId)).toEqual([]);

    await spendCredits(world, customer, 1); // 17: the crossing
    const first = webhooksOf(world, customer.accountId, 'low_balance');
    expect(first.length).toBe(1);
    expect(first[0]!).toMatchObject({ verified: true, status: 204 });
    expect(first[0]!.body).toMatchObject({ type: 'alert.low_balance', data: { balance: '17.000000', threshold: '18.000000', account_id: customer.accountId } });
    expect((await getAlerts(world, customer)).low_balance_state).toBe('fired');

    await spendCredits(world, customer, 4); // 16 … 13: still below, no new alert
    expect((await lowBalanceAlerts(customer.accountId)).length).toBe(1);
    expect(webhooksOf(world, customer.accountId, 'low_balance').length).toBe(1);

    // A grant back above: the scheduler's pass re-arms it, without alerting.
    const grant = await world.fixture.testApp.admin('POST', `/admin/accounts/${customer.accountId}/credits`, { amount: '10', kind: 'paid' });
    expect(grant.status).toBe(200);
    await world.fixture.scheduler.runNow('alert-watch');
    await settle(world);
    expect((await walletOf(world.fixture, customer)).balance).toBe('23.000000');
    expect((await getAlerts(world, customer)).low_balance_state).toBe('armed');
    expect((await lowBalanceAlerts(customer.accountId)).length).toBe(1);

    await spendCredits(world, customer, 5); // 22 … 18: not below
    expect((await lowBalanceAlerts(customer.accountId)).length).toBe(1);
    await spendCredits(world, customer, 2); // 17: the second crossing, and 16
    const alerts = await lowBalanceAlerts(customer.accountId);
    expect(alerts.map((alert) => alert.data.balance)).toEqual(['17.000000', '17.000000']);
    const webhooks = webhooksOf(world, customer.accountId, 'low_balance');
    expect(webhooks.map((entry) => [entry.verified, entry.status])).toEqual([[true, 204], [true, 204]]);
    expect(new Set(webhooks.map((entry) => entry.id)).size).toBe(2);

    const history = await historyOf(world, customer);
    expect(history.filter((alert) => alert.kind === 'low_balance').map((alert) => alert.deliveries.map((delivery: any) => `${delivery.channel}:${delivery.status}`).sort())).toEqual([
      ['email:skipped', 'webhook:delivered'],
      ['email:skipped', 'webhook:delivered'],
    ]);
  });

  test('a receiver that fails twice gets the alert on the third try, once, with the same webhook-id', async () => {
    const customer = await alertedCustomer(world, '5', { low_balance_threshold: '4.5' });
    const { fixture, receiver } = world;
    receiver.failNext(2);
    await spendCredits(world, customer, 1); // 4: the crossing; attempt 1 answered 500
    const attempts = () => webhooksOf(world, customer.accountId, 'low_balance');
    expect(attempts().map((entry) => entry.status)).toEqual([500]);

    const deliverer = fixture.testApp.context.alertDeliverer;
    const t0 = fixture.clock.nowMs;
    expect(Object.keys(await deliverer.deliverDue(t0 + deliveryRetryDelayMs(1) - 1))).toEqual([]); // not before its back-off
    fixture.clock.advance(deliveryRetryDelayMs(1));
    await deliverer.deliverDue(fixture.clock.nowMs);
    expect(attempts().map((entry) => entry.status)).toEqual([500, 500]);
    fixture.clock.advance(deliveryRetryDelayMs(2));
    await deliverer.deliverDue(fixture.clock.nowMs);
    expect(attempts().map((entry) => entry.status)).toEqual([500, 500, 204]);
    // Nothing more, however late the next passes run.
    fixture.clock.advance(2 * 86_400_000);
    await deliverer.deliverDue(fixture.clock.nowMs);
    await fixture.scheduler.runNow('alert-watch');
    await settle(world);
    const all = attempts();
    expect(all.length).toBe(3);
    expect(all.every((entry) => entry.verified)).toBe(true);
    expect(new Set(all.map((entry) => entry.id)).size).toBe(1);
    expect(new Set(all.map((entry) => entry.timestamp)).size).toBe(3);
    const [alert] = (await historyOf(world, customer)).filter((entry) => entry.kind === 'low_balance');
    expect(alert.deliveries.find((delivery: any) => delivery.channel === 'webhook')).toMatchObject({ id: all[0]!.id, status: 'delivered', attempts: 3, last_error: null });
  });

  test('two evaluators of one crossing at once record one alert', async () => {
    const customer = await alertedCustomer(world, '3', { low_balance_threshold: '2.5' });
    await spendCredits(world, customer, 1); // 2: the after-charge check fires it
    expect((await lowBalanceAlerts(customer.accountId)).length).toBe(1);
    // The threshold raised to 10: armed again, below it already; two processes evaluate at once.
    const raised = await putAlerts(world, customer, { low_balance_threshold: '10' });
    expect(raised.status).toBe(200);
    const db = world.fixture.testApp.context.db;
    const alertsBefore = (await lowBalanceAlerts(customer.accountId)).length;
    await db.updateTable('alert_settings').set({ low_balance_armed: 1 }).where('account_id', '=', customer.accountId).execute();
    const fired = await Promise.all([1, 2, 3, 4].map(() => evaluateLowBalance(db, [customer.accountId], world.fixture.clock.nowMs, 10)));
    expect(fired.reduce((sum, count) => sum + count, 0)).toBe(1);
    expect((await lowBalanceAlerts(customer.accountId)).length).toBe(alertsBefore + 1);
  });
});
