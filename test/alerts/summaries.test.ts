// Daily and weekly spend summaries on the UTC calendar, and the deployment-cost alert. The
// usage_daily rollups are written here as the settlement batch keeps them, and deployment hours
// as the biller bills them (a real ledger charge each): the summaries' sums, their periods'
// edges, one alert per period however often and however concurrently the job runs, and one
// deployment-cost alert per deployment.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { DAY_MS } from '../../src/alerts/summaries';
import { listAlerts } from '../../src/alerts/service';
import * as ledger from '../../src/ledger/service';
import type { RefillCustomer } from '../payments/refill-support';
import { alertedCustomer, createAlertWorld, putAlerts, settle, webhooksOf, type AlertWorld } from './support';

let world: AlertWorld;
beforeAll(async () => {
  world = await createAlertWorld();
});
afterAll(() => world.close());

const at = (iso: string) => Date.parse(iso);
const dayOf = (iso: string) => BigInt(Math.floor(at(iso) / DAY_MS));
const db = () => world.fixture.testApp.context.db;

async function usage(accountId: string, day: string, model: string, requests: number, costMicros: bigint): Promise<void> {
  await db().insertInto('usage_daily').values({ account_id: accountId, day_index: dayOf(day), model, upstream: '', requests: BigInt(requests), prompt_tokens: 0n, completion_tokens: 0n, cost_micros: costMicros }).execute();
}

async function startDeployment(accountId: string, model: string): Promise<string> {
  const id = `dep_${crypto.randomUUID().slice(0, 12)}`;
  const nowMs = BigInt(world.fixture.clock.nowMs);
  await db()
    .insertInto('deployments')
    .values({ id, account_id: accountId, model, instance_type: 'gpu-m', upstream_url: 'http://127.0.0.1:9/', per_hour_micros: 1_800_000n, status: 'running', started_at_ms: nowMs, paused_at_ms: null, stopped_at_ms: null, created_at_ms: nowMs, updated_at_ms: nowMs })
    .execute();
  return id;
}

/** Bills one clock hour as the deployment biller does: a ledger charge keyed by (deployment, hour), then its row, then the after-charge hook. */
async function billHour(deploymentId: string, accountId: string, chargedAt: string, amountMicros = 1_800_000n): Promise<void> {
  const nowMs = at(chargedAt);
  const hourIndex = Math.floor(nowMs / 3_600_000);
  const key = `deployment:${deploymentId}:hour:${hourIndex}`;
  const hold = await ledger.reserve(db(), { accountId, amountMicros, idempotencyKey: `${key}:hold`, ttlMs: 60_000 }, nowMs);
  const posted = await ledger.post(db(), { holdId: hold.id, amountMicros, idempotencyKey: key }, nowMs);
  await db().insertInto('deployment_hours').values({ deployment_id: deploymentId, hour_index: BigInt(hourIndex), account_id: accountId, amount_micros: amountMicros, transaction_id: posted.transactionId, charged_at_ms: BigInt(nowMs) }).execute();
  world.fixture.testApp.context.noteCharged([accountId]);
  await settle(world);
}

async function sweepAt(iso: string, times = 1): Promise<void> {
  world.fixture.clock.nowMs = at(iso);
  const { alertWatcher } = world.fixture.testApp.context;
  await Promise.all(Array.from({ length: times }, () => alertWatcher.sweep(at(iso))));
  await settle(world);
}

const kindsOf = async (accountId: string, kind: string) => (await listAlerts(db(), accountId)).filter((alert) => alert.kind === kind);

describe('summaries', () => {
  let owner: RefillCustomer;
  let quiet: RefillCustomer;
  beforeAll(async () => {
    world.fixture.clock.nowMs = at('2026-11-20T12:00:00Z');
    owner = await alertedCustomer(world, '50', { daily_summary: true, weekly_summary: true });
    quiet = await alertedCustomer(world, '50', {});
    for (const customer of [owner, quiet]) {
      await usage(customer.accountId, '2026-11-22T00:00:00Z', 'model-a', 40, 100_000_000n); // the week before
      await usage(customer.accountId, '2026-11-23T00:00:00Z', 'model-a', 2, 1_000_000n); // Monday
      await usage(customer.accountId, '2026-11-29T00:00:00Z', 'model-a', 2, 2_000_000n); // Sunday
      await usage(customer.accountId, '2026-11-29T00:00:00Z', 'model-b', 1, 500_000n);
      await usage(customer.accountId, '2026-11-30T00:00:00Z', 'model-a', 9, 50_000_000n); // Monday: the new week
      const deployment = await startDeployment(customer.accountId, 'model-d');
      await billHour(deployment, customer.accountId, '2026-11-29T13:00:00Z');
      await billHour(deployment, customer.accountId, '2026-11-30T00:00:00Z');
    }
  });

  test("after midnight on Monday: Sunday's summary and the ISO week's, once each, however often the job runs", async () => {
    await sweepAt('2026-11-30T00:05:00Z');
    await sweepAt('2026-11-30T00:06:00Z', 3); // again, and three at once (replicas)
    const [daily] = await kindsOf(owner.accountId, 'daily_summary');
    expect((await kindsOf(owner.accountId, 'daily_summary')).length).toBe(1);
    expect(daily!.data).toEqual({ period_start: '2026-11-29', period_end: '2026-11-30', spend: '4.300000', usage_spend: '2.500000', deployment_spend: '1.800000', requests: 3, deployment_hours: 1 });
    const weekly = await kindsOf(owner.accountId, 'weekly_summary');
    expect(weekly.map((alert) => alert.data)).toEqual([{ period_start: '2026-11-23', period_end: '2026-11-30', spend: '5.300000', usage_spend: '3.500000', deployment_spend: '1.800000', requests: 5, deployment_hours: 1 }]);
    expect(weekly[0]!.message).toContain('2026-11-23 to 2026-11-29');
    expect(webhooksOf(world, owner.accountId, 'daily_summary').map((entry) => [entry.verified, entry.body.data.spend])).toEqual([[true, '4.300000']]);
    expect(webhooksOf(world, owner.accountId, 'weekly_summary').map((entry) => [entry.verified, entry.body.data.spend])).toEqual([[true, '5.300000']]);
    // An account that did not ask gets none.
    expect([...(await kindsOf(quiet.accountId, 'daily_summary')), ...(await kindsOf(quiet.accountId, 'weekly_summary'))]).toEqual([]);
  });

  test("the next day: Monday's summary, and no second weekly one", async () => {
    await sweepAt('2026-12-01T00:01:00Z');
    const daily = await kindsOf(owner.accountId, 'daily_summary');
    expect(daily.map((alert) => [alert.data.period_start, alert.data.spend])).toEqual([['2026-11-29', '4.300000'], ['2026-11-30', '51.800000']]);
    expect((await kindsOf(owner.accountId, 'weekly_summary')).length).toBe(1);
  });
});

describe('deployment cost', () => {
  test('one alert per deployment when its billed hours reach the amount; a raised amount alerts again when reached', async () => {
    world.fixture.clock.nowMs = at('2026-12-01T09:00:00Z');
    const owner = await alertedCustomer(world, '50', { deployment_cost: '3' });
    const deployment = await startDeployment(owner.accountId, 'model-e');
    const other = await startDeployment(owner.accountId, 'model-f');
    await billHour(deployment, owner.accountId, '2026-12-01T09:00:00Z'); // 1.8
    await billHour(other, owner.accountId, '2026-12-01T09:00:00Z');
    expect(await kindsOf(owner.accountId, 'deployment_cost')).toEqual([]);
    await billHour(deployment, owner.accountId, '2026-12-01T10:00:00Z'); // 3.6: reached
    await billHour(deployment, owner.accountId, '2026-12-01T11:00:00Z'); // 5.4
    await sweepAt('2026-12-01T11:30:00Z', 2);
    const alerts = await kindsOf(owner.accountId, 'deployment_cost');
    expect(alerts.map((alert) => alert.data)).toEqual([{ deployment_id: deployment, model: 'model-e', spend: '3.600000', amount: '3.000000' }]);
    expect(webhooksOf(world, owner.accountId, 'deployment_cost').map((entry) => [entry.verified, entry.body.data.deployment_id])).toEqual([[true, deployment]]);

    expect((await putAlerts(world, owner, { deployment_cost: '5' })).status).toBe(200);
    await sweepAt('2026-12-01T11:40:00Z');
    expect((await kindsOf(owner.accountId, 'deployment_cost')).map((alert) => [alert.data.deployment_id, alert.data.spend, alert.data.amount])).toEqual([
      [deployment, '3.600000', '3.000000'],
      [deployment, '5.400000', '5.000000'],
    ]);
  });
});
