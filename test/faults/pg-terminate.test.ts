// Acceptance (issue 14, database faults): PostgreSQL's connections killed under load with
// pg_terminate_backend, again and again. Requests answer 503 (OpenAI error JSON) or succeed; a
// response the client saw complete has exactly one charge of its cost; nothing is half-written
// (the auditor), and the gateway serves again once the killing stops, without anyone's help.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import postgres from 'postgres';
import { TEST_DB_KIND, TEST_PG_URL } from '../support/env';
import { createCustomer, createGatewayFixture, expectLedgerBalanced, type Customer, type GatewayFixture } from '../gateway/support';
import { readBooks, waitUntilSwept } from './books';
import { isDatabaseUnavailableAnswer, runLoad } from './load';
import { LONG_FAULTS, reportFaults } from './report';

const KILL_ROUNDS = LONG_FAULTS ? 60 : 12;
const KILL_EVERY_MS = 150;

let fixture: GatewayFixture;
let customer: Customer;

describe.skipIf(TEST_DB_KIND !== 'postgres')('pg_terminate_backend under load', () => {
  beforeAll(async () => {
    fixture = await createGatewayFixture({ ledger: { lease_ttl_seconds: 5, sweep_interval_seconds: 1 } });
    customer = await createCustomer(fixture, 1_000_000_000n);
  });
  afterAll(() => fixture.close());

  test(`${KILL_ROUNDS} rounds of killed connections: 503 or success, one charge per completed response, served again after`, async () => {
    fixture.fake.setBehavior({ chunks: 8, chunkDelayMs: 5 });
    const database = new URL(fixture.testApp.database.url!).pathname.slice(1);
    const killer = postgres(TEST_PG_URL, { max: 1, onnotice: () => {} });
    let terminated = 0;
    const killing = (async () => {
      for (let round = 0; round < KILL_ROUNDS; round++) {
        await Bun.sleep(KILL_EVERY_MS);
        const rows = await killer`SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE datname = ${database} AND pid <> pg_backend_pid()`;
        terminated += rows.filter((row) => row.done).length;
      }
    })();
    const outcomes = await runLoad({ baseUrl: fixture.baseUrl, key: customer.key, clients: 6, prefix: 'pgkill', until: killing });
    await killer.end();

    // Every answer was a success or a 503 with an OpenAI error code; none was left hanging.
    const failed = outcomes.filter((outcome) => outcome.costMicros === null);
    expect(failed.filter((outcome) => !isDatabaseUnavailableAnswer(outcome))).toEqual([]);
    // Served again with no one's help: the next requests all complete.
    const after = await runLoad({ baseUrl: fixture.baseUrl, key: customer.key, clients: 2, prefix: 'pgafter', until: Bun.sleep(500) });
    expect(after.filter((outcome) => outcome.costMicros === null)).toEqual([]);

    const db = fixture.testApp.context.db;
    const books = await readBooks(db, customer.accountId, [...outcomes, ...after], fixture.fake.requests);
    expect(books.problems).toEqual([]);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
    expect(await waitUntilSwept(db, customer.accountId, 20_000)).toEqual({ openLeases: 0, pendingHolds: 0, reservedMicros: 0n });
    expect(terminated).toBeGreaterThan(0);
    reportFaults('pg-terminate', {
      connections_killed: terminated,
      requests: outcomes.length + after.length,
      completed: books.completed,
      answered_503: failed.length,
      uncharged_served: books.unchargedServed,
      lost_other: books.problems.length,
    });
  }, 90_000);
});
