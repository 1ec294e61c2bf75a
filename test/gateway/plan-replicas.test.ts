// Acceptance (issue 10, point 2): two gateway processes sharing Redis and PostgreSQL, a plan of
// 10 requests a minute, 50 requests at once split between them: still exactly 10 served in
// total (the limit holds across replicas, not per replica). On SQLite, which one process
// only may use, the same burst goes through one gateway.
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { TEST_DB_KIND, TEST_REDIS_URL } from '../support/env';
import { startSecondGateway, type SecondGateway } from './second-gateway';
import { attempt, chatBody, createPlanCustomer, createPlanFixture, type PlanFixture } from '../quotas/support';

// A second process to start, and a burst that may first wait out the end of a minute.
setDefaultTimeout(60_000);

let fixture: PlanFixture;
let second: SecondGateway | undefined;
beforeAll(async () => {
  // Both processes read the real clock (the child cannot be given a test clock).
  fixture = await createPlanFixture('redis', { plans: { ten: { requests_per_minute: 10 } } }, { realClock: true });
  const shared = `\n[plans.ten]\nrequests_per_minute = 10\n\n[redis]\nurl = "${TEST_REDIS_URL}"\nkey_prefix = "${fixture.keyPrefix}"\n`;
  if (TEST_DB_KIND === 'postgres') second = await startSecondGateway(fixture, shared);
});
afterAll(async () => {
  await second?.stop();
  await fixture.close();
});

/** A burst must not straddle two minutes (each would allow 10): start it well inside one. */
async function awayFromMinuteEnd(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 10_000) await Bun.sleep(left + 100);
}

test('50 at once split between two replicas: exactly 10 served in total, 40 × 429', async () => {
  const customer = await createPlanCustomer(fixture, 'ten');
  const baseUrls = second ? [fixture.baseUrl, second.baseUrl] : [fixture.baseUrl, fixture.baseUrl];
  const clients = baseUrls.map((baseUrl) => new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: customer.key, maxRetries: 0 }));
  await awayFromMinuteEnd();
  const outcomes = await Promise.all(Array.from({ length: 50 }, (_, index) => attempt(clients[index % 2]!.chat.completions.create(chatBody()))));

  expect(outcomes.filter((outcome) => outcome.status === 200)).toHaveLength(10);
  expect(outcomes.filter((outcome) => outcome.status === 429 && outcome.code === 'rate_limit_exceeded')).toHaveLength(40);
  // Counted per replica, each would have served 10.
  expect(fixture.fake.requests).toHaveLength(10);
});
