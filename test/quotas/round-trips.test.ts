// Issue 10's speed point: the quota check adds at most one Redis round trip per request, and
// credit-billed requests never touch Redis. Counted with INFO commandstats of a Redis of this
// file's own (on a shared one, other tests' commands would be counted too). Redis counts the
// commands a Lua script runs as well, which tells the two scripts apart: the admission runs
// ZCARD once per scope, the finish ZREM once per scope (the benchmark, scripts/bench, counts
// them the same way, so this also holds what it relies on). A request held by the upstream
// after it was forwarded has cost exactly one script, the admission; the finish comes when it
// settles, without the answer waiting for it.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Redis from 'ioredis';
import { waitFor } from '../gateway/account-state';
import { startGatedUpstream, type GatedUpstream } from '../gateway/gated-upstream';
import { createCustomer, type Customer } from '../gateway/support';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { startOwnRedis, type OwnRedis } from '../support/redis-server';
import { attempt, chatBody, createPlanCustomer, createPlanFixture, streamBody, type PlanFixture } from './support';

// Every limit set (and far from reached), so that the admission does all its work.
const PLAN = { requests_per_minute: 100_000, tokens_per_minute: 1e12, tokens_per_day: 1e12, tokens_per_month: 1e12, concurrent: 1000 };
// Tickets in flight are renewed every third of their TTL: with the longest TTL no renewal falls
// inside a test, whose counts are then the requests' own.
const QUOTAS = { ticket_ttl_seconds: 3600 };

let redis: OwnRedis;
let reader: Redis;
let fake: FakeUpstream;
let gate: GatedUpstream;
let fixture: PlanFixture;
let planCustomer: Customer;
let creditCustomer: Customer;
beforeAll(async () => {
  redis = await startOwnRedis();
  reader = new Redis(redis.url);
  fake = startFakeUpstream();
  gate = startGatedUpstream(fake);
  fixture = await createPlanFixture('redis', { plans: { all: PLAN }, quotas: QUOTAS, upstreams: [{ name: 'gated', url: gate.url, models: ['fake-model'] }] }, { redisUrl: redis.url });
  planCustomer = await createPlanCustomer(fixture, 'all');
  creditCustomer = await createCustomer(fixture, 100_000_000n);
});
afterAll(async () => {
  await fixture.close();
  await gate.stop();
  await fake.stop();
  reader.disconnect();
  await redis.stop();
});

/** Calls of each command Redis has run so far (scripts' own included), leaving out this reader's INFO. */
async function commandCalls(): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const match of (await reader.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (match[1] !== 'info') calls.set(match[1]!, Number(match[2]));
  }
  return calls;
}

/** What Redis ran since `before`: script calls, admissions (ZCARD), finishes (ZREM) and every command. */
async function sinceThen(before: Map<string, number>) {
  const after = await commandCalls();
  const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
  const all = [...after.keys()].filter((name) => delta(name) > 0).map((name) => [name, delta(name)] as const);
  return { scripts: delta('evalsha') + delta('eval'), admissions: delta('zcard'), finishes: delta('zrem'), commands: Object.fromEntries(all) };
}

/** Waits until every admission Redis has run since `before` is finished (the finish is not awaited by the answer). */
const finished = (before: Map<string, number>) => waitFor(() => sinceThen(before), (seen) => seen.finishes >= seen.admissions);

test('a plan request forwarded and held by the upstream has cost one script (its admission); answered, one more (its finish)', async () => {
  const before = await commandCalls();
  gate.shut();
  const answer = attempt(planCustomer.client.chat.completions.create(chatBody()));
  await waitFor(async () => gate.arrived(), (arrived) => arrived === 1);
  const held = await sinceThen(before);
  gate.open();
  expect((await answer).status).toBe(200);
  const done = await finished(before);
  expect([held.scripts, held.admissions, held.finishes]).toEqual([1, 1, 0]);
  expect([done.scripts, done.admissions, done.finishes]).toEqual([2, 1, 1]);
});

test('a streamed plan request: the same two scripts', async () => {
  const before = await commandCalls();
  gate.shut();
  const answer = (async () => {
    const stream = await planCustomer.client.chat.completions.create(streamBody());
    let chunks = 0;
    for await (const _chunk of stream) chunks += 1;
    return chunks;
  })();
  await waitFor(async () => gate.arrived(), (arrived) => arrived === 1);
  const held = await sinceThen(before);
  gate.open();
  expect(await answer).toBeGreaterThan(0);
  const done = await finished(before);
  expect([held.scripts, held.admissions, held.finishes]).toEqual([1, 1, 0]);
  expect([done.scripts, done.admissions, done.finishes]).toEqual([2, 1, 1]);
});

test('20 plan requests at once: 20 admissions and 20 finishes, no other script', async () => {
  const before = await commandCalls();
  const answers = await Promise.all(Array.from({ length: 20 }, () => attempt(planCustomer.client.chat.completions.create(chatBody()))));
  expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
  const done = await finished(before);
  expect([done.scripts, done.admissions, done.finishes]).toEqual([40, 20, 20]);
});

test('credit-billed requests, JSON and streamed, send Redis nothing', async () => {
  // What one plan request alone sends, to tell apart from anything else below.
  const alone = await commandCalls();
  expect((await attempt(planCustomer.client.chat.completions.create(chatBody()))).status).toBe(200);
  const planRequest = await finished(alone);

  const before = await commandCalls();
  const answers = await Promise.all(Array.from({ length: 5 }, () => attempt(creditCustomer.client.chat.completions.create(chatBody()))));
  const stream = await creditCustomer.client.chat.completions.create(streamBody());
  let chunks = 0;
  for await (const _chunk of stream) chunks += 1;
  expect(answers.map((answer) => answer.status)).toEqual(Array(5).fill(200));
  expect(chunks).toBeGreaterThan(0);
  // Then a plan request: inferport has one connection to Redis, which runs its commands in the
  // order sent, so once this request's finish is counted, whatever was sent before it is too.
  expect((await attempt(planCustomer.client.chat.completions.create(chatBody()))).status).toBe(200);
  const done = await finished(before);
  expect(planRequest.commands.evalsha ?? 0).toBeGreaterThan(0);
  expect(done.commands).toEqual(planRequest.commands);
});
