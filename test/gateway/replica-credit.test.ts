// Regression (issue 8, point 3): with two processes on one PostgreSQL and a wallet close to
// empty, every request to one replica got 402 insufficient_credits while the other replica's
// open lease held the wallet's last credit. Now leases near a low balance hold only what their
// requests need, go back once idle, and a replica short of credit asks the others for their
// unused lease credit: requests alternating between the replicas are served exactly as long as
// the wallet can cover them, whichever replica gets them. (On SQLite, one process: the same
// sequence through one gateway.)
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { TEST_DB_KIND } from '../support/env';
import { accountState, costMicros, reservationFor, waitFor } from './account-state';
import { outcomeOf } from './burst';
import { startSecondGateway, type SecondGateway } from './second-gateway';
import { createCustomer, createGatewayFixture, expectLedgerBalanced, type GatewayFixture } from './support';

setDefaultTimeout(60_000);

let fixture: GatewayFixture;
let second: SecondGateway | undefined;
beforeAll(async () => {
  fixture = await createGatewayFixture();
  if (TEST_DB_KIND === 'postgres') second = await startSecondGateway(fixture);
});
afterAll(async () => {
  await second?.stop();
  await fixture.close();
});

const MAX_TOKENS = 16;
const BODY = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'one two three' }], max_tokens: MAX_TOKENS };
const RESERVATION_MICROS = reservationFor(Buffer.byteLength(JSON.stringify(BODY)), MAX_TOKENS);
const COST_MICROS = costMicros(3, 4);
// Request k (from 0) is covered while the balance, RESERVED + (7 - k) * COST, is at least one
// reservation: exactly 8 are, the 9th finds RESERVED - COST.
const AFFORDABLE = 8;
const GRANTED_MICROS = RESERVATION_MICROS + BigInt(AFFORDABLE - 1) * COST_MICROS;

test(`a wallet that affords ${AFFORDABLE} requests, alternating between replicas: exactly ${AFFORDABLE} served, then 402`, async () => {
  expect(COST_MICROS).toBeLessThan(RESERVATION_MICROS);
  const customer = await createCustomer(fixture, GRANTED_MICROS);
  const baseUrls = second ? [fixture.baseUrl, second.baseUrl] : [fixture.baseUrl, fixture.baseUrl];
  const clients = baseUrls.map((baseUrl) => new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: customer.key, maxRetries: 0 }));
  const outcomes = [];
  for (let index = 0; index < AFFORDABLE + 4; index++) outcomes.push(await outcomeOf(clients[index % 2]!.chat.completions.create(BODY)));

  expect(outcomes.map((outcome) => outcome.status)).toEqual([...Array(AFFORDABLE).fill(200), 402, 402, 402, 402]);
  expect(outcomes.slice(AFFORDABLE).every((outcome) => outcome.code === 'insufficient_credits')).toBe(true);
  const state = await waitFor(
    () => accountState(fixture, customer.accountId),
    (value) => value.chargesMicros.length === AFFORDABLE,
  );
  expect(state.chargesMicros).toEqual(Array(AFFORDABLE).fill(COST_MICROS));
  expect(state.balanceMicros).toBe(GRANTED_MICROS - BigInt(AFFORDABLE) * COST_MICROS);
  expect(state.usage.filter((record) => record.outcome === 'ok')).toHaveLength(AFFORDABLE);
  // Nothing stays leased: the replicas' leases went back to the wallet.
  const leased = await waitFor(
    () => fixture.testApp.context.db.selectFrom('leases').select('amount_micros').where('account_id', '=', customer.accountId).where('status', '=', 'open').execute(),
    (rows) => rows.every((row) => BigInt(row.amount_micros) === 0n),
  );
  expect(leased.every((row) => BigInt(row.amount_micros) === 0n)).toBe(true);
  expect(await expectLedgerBalanced(fixture)).toEqual([]);
});
