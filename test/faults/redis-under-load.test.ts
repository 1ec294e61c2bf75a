// Acceptance (issue 14, Redis faults), what test/quotas/redis-outage.test.ts leaves out: Redis
// killed and started again while several clients keep sending, plan-billed and credit-billed at
// once. The documented behaviour (fallback "closed", the default): plan requests get 503
// quota_unavailable while Redis is down and nothing else fails; credit-billed requests never
// notice; once Redis is back every plan request is served again, with no restart.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { waitFor } from '../gateway/account-state';
import { createCustomer, expectLedgerBalanced, type Customer } from '../gateway/support';
import { attempt, chatBody, createPlanCustomer, createPlanFixture, type PlanFixture } from '../quotas/support';
import { startOwnRedis, type OwnRedis } from '../support/redis-server';
import { LONG_FAULTS, reportFaults } from './report';

const OUTAGES = LONG_FAULTS ? 5 : 1;

interface Seen {
  billing: 'plan' | 'credits';
  phase: 'up' | 'down' | 'back';
  status: number;
  code: string | null;
}

let redis: OwnRedis;
let fixture: PlanFixture;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  redis = await startOwnRedis();
  fixture = await createPlanFixture('redis', { plans: { roomy: { requests_per_minute: 1_000_000 } } }, { redisUrl: redis.url, realClock: true });
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await fixture.close();
  await redis.stop();
});

describe('Redis killed and started again under load', () => {
  test(`${OUTAGES} outage(s): plan requests 503 quota_unavailable while down, credit requests untouched, all normal after`, async () => {
    const planCustomer = await createPlanCustomer(fixture, 'roomy');
    const payer = await createCustomer(fixture, 100_000_000n);
    const seen: Seen[] = [];
    let phase: Seen['phase'] = 'up';
    let running = true;
    const client = (customer: Customer, billing: Seen['billing']) =>
      (async () => {
        while (running) {
          const outcome = await attempt(customer.client.chat.completions.create(chatBody()));
          seen.push({ billing, phase, status: outcome.status, code: outcome.code });
        }
      })();
    const clients = [0, 1, 2, 3].map(() => client(planCustomer, 'plan')).concat([0, 1].map(() => client(payer, 'credits')));

    for (let outage = 0; outage < OUTAGES; outage++) {
      await Bun.sleep(300);
      await redis.kill();
      phase = 'down';
      await Bun.sleep(1500);
      await redis.start();
      phase = 'back';
      // Served again once ioredis has reconnected (bounded at 15 s).
      await waitFor(async () => seen.filter((entry) => entry.billing === 'plan' && entry.phase === 'back').slice(-8), (last) => last.length === 8 && last.every((entry) => entry.status === 200), 15_000);
      phase = 'up';
    }
    await Bun.sleep(300);
    running = false;
    await Promise.all(clients);

    const unexpected = seen.filter((entry) => entry.status !== 200 && !(entry.billing === 'plan' && entry.status === 503 && entry.code === 'quota_unavailable'));
    expect(unexpected).toEqual([]);
    expect(seen.filter((entry) => entry.billing === 'credits' && entry.phase === 'down').length).toBeGreaterThan(0);
    const refused = seen.filter((entry) => entry.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    // Normal again: the last plan requests were all served.
    expect(seen.filter((entry) => entry.billing === 'plan').slice(-8).map((entry) => entry.status)).toEqual(Array(8).fill(200));
    expect(unhandled).toEqual([]);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
    reportFaults('redis-under-load', { outages: OUTAGES, requests: seen.length, answered_503: refused.length, lost_other: unexpected.length });
  }, 30_000 + OUTAGES * 20_000);
});
