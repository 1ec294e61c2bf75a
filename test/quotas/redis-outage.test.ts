// Acceptance (issue 10, point 4): Redis killed mid-run (a redis-server of the test's own, killed
// with SIGKILL and started again empty). By default plan requests then get 503 quota_unavailable
// and nothing else fails: no crash, no unhandled rejection, no other 5xx, credit-billed requests
// and streams already admitted go on; with `fallback = "local"` they are counted in the process
// instead. Once Redis is back, plan requests are counted in it again, without a restart (ioredis
// reconnects, and re-sends the scripts the new Redis has never seen).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { waitFor } from '../gateway/account-state';
import { createCustomer, type Customer } from '../gateway/support';
import { startOwnRedis, type OwnRedis } from '../support/redis-server';
import { attempt, chatBody, createPlanCustomer, createPlanFixture, streamBody, type Attempt, type PlanFixture } from './support';

// Reconnecting to a restarted Redis takes up to a second or so; the waits are bounded at 15 s.
setDefaultTimeout(30_000);

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
afterAll(() => void process.off('unhandledRejection', onUnhandled));

const planRequest = (customer: Customer) => attempt(customer.client.chat.completions.create(chatBody()));

/** Polls until a plan request is served again (Redis reconnected); every answer seen on the way is kept. */
async function servedAgain(customer: Customer, seen: Attempt[]): Promise<Attempt> {
  return await waitFor(
    async () => {
      const outcome = await planRequest(customer);
      seen.push(outcome);
      return outcome;
    },
    (outcome) => outcome.status === 200,
    15_000,
  );
}

/** A gateway on a Redis of the describe block's own, for its tests to kill and start again. */
function gatewayOnOwnRedis(raw: Record<string, unknown>): () => { redis: OwnRedis; fixture: PlanFixture } {
  let redis: OwnRedis;
  let fixture: PlanFixture;
  beforeAll(async () => {
    redis = await startOwnRedis();
    fixture = await createPlanFixture('redis', raw, { redisUrl: redis.url });
  });
  afterAll(async () => {
    await fixture.close();
    await redis.stop();
  });
  return () => ({ redis, fixture });
}

describe('Redis killed, fallback "closed" (the default)', () => {
  const running = gatewayOnOwnRedis({ plans: { roomy: { requests_per_minute: 1000 } } });

  test('503 quota_unavailable for plan requests only, while it is down; normal again once it is back', async () => {
    const { redis, fixture } = running();
    unhandled = [];
    fixture.fake.setBehavior({ chunks: 10, chunkDelayMs: 30 });
    const customer = await createPlanCustomer(fixture, 'roomy');
    const payer = await createCustomer(fixture, 10_000_000n);
    expect((await planRequest(customer)).status).toBe(200);
    // A stream admitted before the kill runs to its end; its finish, which cannot reach Redis, is only logged.
    const stream = await customer.client.chat.completions.create(streamBody());
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();

    await redis.kill();
    let chunks = 1;
    while (!(await iterator.next()).done) chunks += 1;
    expect(chunks).toBe(11);
    const seen: Attempt[] = [];
    for (let index = 0; index < 5; index++) seen.push(await planRequest(customer));
    expect(seen.map((outcome) => [outcome.status, outcome.code, outcome.headers.get('retry-after')])).toEqual(Array(5).fill([503, 'quota_unavailable', '1']));
    expect((await attempt(payer.client.chat.completions.create(chatBody()))).status).toBe(200);
    const quota = await fixture.testApp.request('GET', '/console/quota', { token: customer.key });
    expect([quota.status, ((await quota.json()) as { error: { code: string } }).error.code]).toEqual([503, 'quota_unavailable']);
    expect((await fetch(`${fixture.baseUrl}/healthz`)).status).toBe(200);

    await redis.start();
    const back = await servedAgain(customer, seen);
    // The new Redis is empty: this minute's count starts again from it.
    expect(back.headers.get('x-ratelimit-remaining-requests')).toBe('999');
    expect((await planRequest(customer)).headers.get('x-ratelimit-remaining-requests')).toBe('998');
    expect(seen.filter((outcome) => outcome.status >= 500 && outcome.code !== 'quota_unavailable')).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});

describe('Redis killed, fallback "local"', () => {
  const running = gatewayOnOwnRedis({ plans: { three: { requests_per_minute: 3 } }, redis: { fallback: 'local' } });

  test('counted in the process while it is down, in Redis again once it is back', async () => {
    const { redis, fixture } = running();
    unhandled = [];
    const customer = await createPlanCustomer(fixture, 'three');
    expect((await planRequest(customer)).headers.get('x-ratelimit-remaining-requests')).toBe('2');

    await redis.kill();
    // The process's own counters start at nothing: three more this minute, then 429.
    const local = [];
    for (let index = 0; index < 4; index++) local.push(await planRequest(customer));
    expect(local.map((outcome) => [outcome.status, outcome.headers.get('x-ratelimit-remaining-requests')])).toEqual([
      [200, '2'],
      [200, '1'],
      [200, '0'],
      [429, '0'],
    ]);
    const quota = await fixture.testApp.request('GET', '/console/quota', { token: customer.key });
    expect(quota.status).toBe(200);

    await redis.start();
    const seen: Attempt[] = [];
    // The local counters are used up, so a request served again is one Redis counted (it came back empty).
    const back = await servedAgain(customer, seen);
    expect(back.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    expect(seen.every((outcome) => outcome.status === 200 || outcome.code === 'rate_limit_exceeded')).toBe(true);
    expect(unhandled).toEqual([]);
  });
});
