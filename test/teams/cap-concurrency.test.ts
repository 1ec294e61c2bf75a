// Acceptance (issue 13): spend caps have the wallet's no-overshoot guarantee. A key capped at 5
// reservations, and a member capped at 7 over two keys, get 60 concurrent requests through the
// openai SDK while every forwarded request is kept open at a gate: exactly 5 (7) are served, the
// rest get 429 spend_cap_reached and are charged nothing, and what the ledger charged sums
// exactly to what the rollup and the spend report say. Then with the gate open, the room that
// settled requests left (they cost less than they reserved) fills, never past the cap. On
// PostgreSQL the same again from two gateway processes, whose leases cannot see each other.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { TEST_DB_KIND } from '../support/env';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { readJson } from '../support/app';
import { costMicros, formatCredits, reservationFor } from '../gateway/account-state';
import { outcomeOf, runWithConcurrency, type Outcome } from '../gateway/burst';
import { startGatedUpstream, type GatedUpstream } from '../gateway/gated-upstream';
import { startSecondGateway, type SecondGateway } from '../gateway/second-gateway';
import { balanceOf, createCustomer, createGatewayFixture, expectLedgerBalanced, type GatewayFixture } from '../gateway/support';
import { auditKeySpend } from '../../src/teams/audit';
import { addMember, capKey, capMember, chargesByKey, issueMemberKey, openSpendHolds } from './support';

setDefaultTimeout(60_000);

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

const REQUESTS = 60;
const MAX_TOKENS = 16;
const BODY = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'one two three' }], max_tokens: MAX_TOKENS };
const RESERVATION_MICROS = reservationFor(Buffer.byteLength(JSON.stringify(BODY)), MAX_TOKENS);
const ACTUAL_COST_MICROS = costMicros(3, 4);
const WALLET_MICROS = 10_000_000n;
const GATE_WAIT_MS = 30_000;

/** Fires REQUESTS at once, spread round-robin over the clients; with `gated`, every forwarded one waits until the others are answered. */
async function burst(clients: OpenAI[], gated: boolean, concurrency = REQUESTS): Promise<Outcome[]> {
  if (gated) gate.shut();
  let answered = 0;
  const tasks = Array.from({ length: REQUESTS }, (_, index) => async () => {
    const outcome = await outcomeOf(clients[index % clients.length]!.chat.completions.create(BODY));
    answered += 1;
    return outcome;
  });
  const opening = gated ? openGateOnceOnlyItHoldsRequests(() => answered) : Promise.resolve();
  const outcomes = await runWithConcurrency(tasks, concurrency);
  await opening;
  for (const outcome of outcomes) expect(outcome.status === 200 || (outcome.status === 429 && outcome.code === 'spend_cap_reached')).toBe(true);
  return outcomes;
}

async function openGateOnceOnlyItHoldsRequests(answered: () => number): Promise<void> {
  const deadline = Date.now() + GATE_WAIT_MS;
  while (answered() + gate.arrived() < REQUESTS && Date.now() < deadline) await Bun.sleep(5);
  gate.open();
}

const served = (outcomes: Outcome[]) => outcomes.filter((outcome) => outcome.status === 200).length;

/** The ledger's charges, the rollup and the admin spend report agree to the micro-credit, and nothing is left held. */
async function expectChargesAgree(accountId: string, keyIds: string[], servedCount: number): Promise<bigint> {
  const charges = await chargesByKey(fixture.testApp, accountId);
  const charged = keyIds.reduce((sum, keyId) => sum + (charges.get(keyId) ?? 0n), 0n);
  expect(charged).toBe(ACTUAL_COST_MICROS * BigInt(servedCount));
  expect(await balanceOf(fixture, accountId)).toBe(WALLET_MICROS - charged);
  expect(await openSpendHolds(fixture.testApp, accountId)).toBe(0);
  const report = await readJson(await fixture.testApp.admin('GET', `/admin/accounts/${accountId}/team/spend?days=7`));
  for (const keyId of keyIds) {
    const entry = report.by_key.find((row: { key_id: string }) => row.key_id === keyId);
    expect(entry.today).toBe(formatCredits(charges.get(keyId) ?? 0n));
  }
  expect(report.total).toBe(formatCredits(charged));
  expect(await expectLedgerBalanced(fixture)).toEqual([]);
  expect(await auditKeySpend(fixture.testApp.context.db)).toEqual([]);
  return charged;
}

describe('a capped key and a capped member under 60 concurrent requests', () => {
  test('a key capped at 5 reservations: 5 served while all are open, then the freed room fills, never past the cap', async () => {
    const customer = await createCustomer(fixture, WALLET_MICROS);
    const capMicros = RESERVATION_MICROS * 5n + RESERVATION_MICROS / 2n;
    await capKey(fixture.testApp, customer.keyId, { daily: formatCredits(capMicros) });

    const first = await burst([customer.client], true);
    expect(served(first)).toBe(5);
    await expectChargesAgree(customer.accountId, [customer.keyId], 5);

    // Settled requests cost less than they reserved: the rest of the cap serves more, but a
    // request is admitted only while spent + held + its reservation fits.
    // Concurrent bursts until the cap refuses some, then one at a time until it refuses one:
    // with nothing in flight, that refusal means the cap has no room for one more reservation.
    let total = 5;
    for (let round = 0; round < 10; round++) {
      const outcomes = await burst([customer.client], false, 20);
      total += served(outcomes);
      if (served(outcomes) < REQUESTS) break;
    }
    for (let next = await outcomeOf(customer.client.chat.completions.create(BODY)); next.status === 200; next = await outcomeOf(customer.client.chat.completions.create(BODY))) total += 1;
    const charged = await expectChargesAgree(customer.accountId, [customer.keyId], total);
    expect(charged).toBeLessThanOrEqual(capMicros);
    expect(charged + RESERVATION_MICROS).toBeGreaterThan(capMicros);
  });

  test('a member capped at 7 reservations over two keys: 7 served in all while all are open', async () => {
    const customer = await createCustomer(fixture, WALLET_MICROS);
    const memberId = await addMember(fixture.testApp, customer.accountId, 'ana');
    const keys = [await issueMemberKey(fixture.testApp, customer.accountId, memberId), await issueMemberKey(fixture.testApp, customer.accountId, memberId)];
    const capMicros = RESERVATION_MICROS * 7n + 1n;
    await capMember(fixture.testApp, customer.accountId, memberId, { monthly: formatCredits(capMicros) });

    const outcomes = await burst(keys.map((key) => key.client(fixture.baseUrl)), true);
    expect(served(outcomes)).toBe(7);
    await expectChargesAgree(customer.accountId, keys.map((key) => key.keyId), 7);
    // The account's own key is no member's: the member's cap does not bound it.
    await customer.client.chat.completions.create(BODY);
  });

  test.skipIf(TEST_DB_KIND !== 'postgres')('two gateway processes on one Postgres: a key capped at 5 is still served 5', async () => {
    second = await startSecondGateway(fixture);
    const customer = await createCustomer(fixture, WALLET_MICROS);
    await capKey(fixture.testApp, customer.keyId, { daily: formatCredits(RESERVATION_MICROS * 5n) });
    const clients = [fixture.baseUrl, second.baseUrl].map((baseUrl) => new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: customer.key, maxRetries: 0 }));
    const outcomes = await burst(clients, true);
    expect(served(outcomes)).toBe(5);
    for (const parity of [0, 1]) expect(outcomes.filter((outcome, index) => index % 2 === parity && outcome.status === 429).length).toBeGreaterThanOrEqual(REQUESTS / 2 - 5);
    await expectChargesAgree(customer.accountId, [customer.keyId], 5);
  });
});
