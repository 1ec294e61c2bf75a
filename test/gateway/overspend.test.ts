// Acceptance: concurrent requests can never overspend. A wallet that affords exactly 50
// reservations gets 300 requests at once, from one gateway and then from two gateway processes
// sharing one Postgres database: at most 50 are served, the rest get 402, nothing goes negative.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { TEST_DB_KIND } from '../support/env';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { accountState, costMicros, reservationFor } from './account-state';
import { outcomeOf, runWithConcurrency, watchWallet, type Outcome } from './burst';
import { startGatedUpstream, type GatedUpstream } from './gated-upstream';
import { startSecondGateway, type SecondGateway } from './second-gateway';
import { createCustomer, createGatewayFixture, expectLedgerBalanced, type Customer, type GatewayFixture } from './support';

// 300 requests through a database, and a second gateway process to start; 5 s is too tight.
setDefaultTimeout(60_000);

// Every request is forwarded through a gate (see gated-upstream.ts) that the test keeps shut
// until each of the 300 requests has either been refused or is waiting at the gate. A fixed
// upstream delay was not enough: on Postgres the 300 reservations queue on the wallet's row lock
// (about 10 ms each), so with a 1 s delay early requests finished and released the unused part
// of their reservation while late ones were still reserving, and 74-84 were (rightly) served.
let fake: FakeUpstream;
let gate: GatedUpstream;
let fixture: GatewayFixture;
let second: SecondGateway | undefined;
beforeAll(async () => {
  fake = startFakeUpstream();
  gate = startGatedUpstream(fake);
  fixture = await createGatewayFixture({ upstreams: [{ name: 'gated', url: gate.url, models: ['fake-model'] }] });
});
afterAll(async () => {
  await second?.stop();
  await fixture.close();
  await gate.stop();
  await fake.stop();
});

const REQUESTS = 300;
const AFFORDABLE = 50;
const MAX_TOKENS = 16;
const BODY = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'one two three' }], max_tokens: MAX_TOKENS };
// The SDK sends JSON.stringify of the params; the handler reserves for that many prompt tokens.
const RESERVATION_MICROS = reservationFor(Buffer.byteLength(JSON.stringify(BODY)), MAX_TOKENS);
const GRANTED_MICROS = RESERVATION_MICROS * BigInt(AFFORDABLE);
const ACTUAL_COST_MICROS = costMicros(3, 4);
// Bun's fetch keeps at most 256 requests in flight per process and queues the rest. The SDK's
// fetches, the in-process gateway's fetches to the gate and the gate's fetches to the fake all
// share that budget here, so the test keeps 200 client requests in flight: refused requests come
// back at once and are replaced, so all 300 still overlap the 50 open reservations, and
// 200 + 50 (gateway to gate) stays under 256 (the gate's 50 fetches start only once the 250
// refusals are back).
const CLIENT_CONCURRENCY = 200;
const GATE_WAIT_MS = 30_000;

/**
 * Fires the 300 requests, spread round-robin over `baseUrls`, and checks every invariant.
 * With `gated`, the gate opens only when every request is either answered or waiting at it.
 */
async function burst(customer: Customer, baseUrls: string[], gated: boolean): Promise<Outcome[]> {
  const clients = baseUrls.map((baseUrl) => new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: customer.key, maxRetries: 0 }));
  if (gated) gate.shut();
  let answered = 0;
  const tasks = Array.from({ length: REQUESTS }, (_, index) => async () => {
    const outcome = await outcomeOf(clients[index % clients.length]!.chat.completions.create(BODY));
    answered += 1;
    return outcome;
  });
  const watch = watchWallet(fixture, customer.accountId);
  const opening = gated ? openGateWhenOnlyItHoldsRequests(() => answered) : Promise.resolve(null);
  const outcomes = await runWithConcurrency(tasks, CLIENT_CONCURRENCY);
  const atOpening = await opening;
  const samples = await watch.stop();

  if (atOpening) expect(atOpening).toEqual({ answered: REQUESTS - AFFORDABLE, waiting: AFFORDABLE });
  expect(samples.length).toBeGreaterThan(0);
  for (const sample of samples) {
    expect(sample.balanceMicros).toBeGreaterThanOrEqual(0n);
    expect(sample.reservedMicros).toBeLessThanOrEqual(sample.balanceMicros);
  }
  const served = outcomes.filter((outcome) => outcome.status === 200).length;
  const refused = outcomes.filter((outcome) => outcome.status === 402 && outcome.code === 'insufficient_credits').length;
  expect(served + refused).toBe(REQUESTS);

  const state = await accountState(fixture, customer.accountId);
  const charged = state.chargesMicros.reduce((sum, micros) => sum + micros, 0n);
  expect(state.chargesMicros).toHaveLength(served);
  expect(state.chargesMicros.every((micros) => micros === ACTUAL_COST_MICROS)).toBe(true);
  expect(charged).toBeLessThanOrEqual(GRANTED_MICROS);
  expect(state.balanceMicros).toBe(GRANTED_MICROS - charged);
  expect(state.reservedMicros).toBe(0n);
  expect(state.holds).toHaveLength(served);
  expect(state.holds.every((hold) => hold.status === 'posted' && hold.amountMicros === RESERVATION_MICROS)).toBe(true);
  expect(state.usage.filter((record) => record.outcome === 'ok')).toHaveLength(served);
  expect(await expectLedgerBalanced(fixture)).toEqual([]);
  return outcomes;
}

/** Opens the gate once answered + waiting covers every request (or after GATE_WAIT_MS); returns both counts. */
async function openGateWhenOnlyItHoldsRequests(answered: () => number): Promise<{ answered: number; waiting: number }> {
  const deadline = Date.now() + GATE_WAIT_MS;
  while (answered() + gate.arrived() < REQUESTS && Date.now() < deadline) await Bun.sleep(5);
  const counts = { answered: answered(), waiting: gate.arrived() };
  gate.open();
  return counts;
}

const servedCount = (outcomes: Outcome[]) => outcomes.filter((outcome) => outcome.status === 200).length;

describe('300 concurrent requests against a wallet that affords 50', () => {
  test('one gateway: exactly 50 served, 250 refused with 402, no overspend', async () => {
    const customer = await createCustomer(fixture, GRANTED_MICROS);
    const outcomes = await burst(customer, [fixture.baseUrl], true);
    expect(servedCount(outcomes)).toBeLessThanOrEqual(AFFORDABLE);
    expect(servedCount(outcomes)).toBe(AFFORDABLE);
  });

  test.skipIf(TEST_DB_KIND !== 'postgres')('two gateway processes on one Postgres: still exactly 50 served', async () => {
    second = await startSecondGateway(fixture);
    const customer = await createCustomer(fixture, GRANTED_MICROS);
    const outcomes = await burst(customer, [fixture.baseUrl, second.baseUrl], true);
    expect(servedCount(outcomes)).toBeLessThanOrEqual(AFFORDABLE);
    expect(servedCount(outcomes)).toBe(AFFORDABLE);
    // Each process got 150 of the requests and at most 50 can be served in all, so each one
    // refused at least 100: both took part in reserving against the same wallet.
    for (const parity of [0, 1]) {
      const refusedHere = outcomes.filter((outcome, index) => index % 2 === parity && outcome.status === 402).length;
      expect(refusedHere).toBeGreaterThanOrEqual(REQUESTS / 2 - AFFORDABLE);
    }
  });

  test('an instant upstream: released credit may serve more, but never more than was granted', async () => {
    const customer = await createCustomer(fixture, GRANTED_MICROS);
    const outcomes = await burst(customer, [fixture.baseUrl], false);
    expect(servedCount(outcomes)).toBeGreaterThanOrEqual(AFFORDABLE);
  });
});
