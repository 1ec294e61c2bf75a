// Acceptance (issue 14, crash loop): clients stream and ask for JSON answers through a real
// inferport process, which is killed with SIGKILL at a random moment and started again, round
// after round. Afterwards every response a client saw complete has exactly one charge of the cost
// it was told, no request is charged twice, nothing stays reserved once the sweeper has run, the
// auditor finds the books balanced, and the credit served but never charged (requests in flight at
// a kill) is counted and printed. 3 rounds here; INFERPORT_LONG_FAULTS=1 (scripts/faults) runs 20.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createCustomer, createGatewayFixture, expectLedgerBalanced, type Customer, type GatewayFixture } from '../gateway/support';
import { readBooks, waitUntilSwept } from './books';
import { gatewayLauncher, type GatewayLauncher } from './gateway-process';
import { runLoad, type Outcome } from './load';
import { randomSource } from './random';
import { LONG_FAULTS, reportFaults } from './report';

const ROUNDS = Number(process.env.INFERPORT_CRASH_ROUNDS ?? (LONG_FAULTS ? 20 : 3));
const CLIENTS = 6;

let fixture: GatewayFixture;
let customer: Customer;
let launcher: GatewayLauncher;

beforeAll(async () => {
  fixture = await createGatewayFixture();
  customer = await createCustomer(fixture, 1_000_000_000n);
  launcher = gatewayLauncher(fixture.testApp.database, fixture.fake.url);
});
afterAll(async () => {
  await fixture.close();
  launcher.remove();
});

describe('kill -9 under load, round after round', () => {
  test(`${ROUNDS} rounds: one charge per completed response, nothing left reserved, the books balance, the in-flight loss counted`, async () => {
    const random = randomSource();
    fixture.fake.setBehavior({ chunks: 8, chunkDelayMs: 10 });
    const outcomes: Outcome[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const gateway = await launcher.start();
      // The clients stop starting requests at the moment of the kill: the ones cut off were in flight.
      const killAt = Bun.sleep(200 + Math.floor(random.next() * 1300));
      const crashed = killAt.then(() => gateway.crash());
      outcomes.push(...(await runLoad({ baseUrl: gateway.url, key: customer.key, clients: CLIENTS, prefix: `round${round}`, until: killAt })));
      await crashed;
    }

    // A fresh process's sweeper gives back what the dead ones left leased.
    const last = await launcher.start();
    try {
      const db = fixture.testApp.context.db;
      const reserved = await waitUntilSwept(db, customer.accountId, 20_000);
      expect(reserved).toEqual({ openLeases: 0, pendingHolds: 0, reservedMicros: 0n });
      const books = await readBooks(db, customer.accountId, outcomes, fixture.fake.requests);
      expect(books.problems).toEqual([]);
      expect(await expectLedgerBalanced(fixture)).toEqual([]);
      // A kill lands while requests are in flight; the ones cut off are at most the clients' count per round.
      const incomplete = outcomes.filter((outcome) => outcome.costMicros === null).length;
      expect(incomplete).toBeLessThanOrEqual(ROUNDS * CLIENTS);
      expect(books.unchargedServed).toBeLessThanOrEqual(incomplete);
      expect(books.completed).toBeGreaterThan(ROUNDS * CLIENTS);
      reportFaults('crash-loop', {
        seed: random.seed,
        crashes: ROUNDS,
        requests: outcomes.length,
        completed: books.completed,
        cut_off: incomplete,
        charged_unseen: books.chargedUnseen,
        in_flight_uncharged: books.unchargedServed,
        in_flight_uncharged_micros: books.unchargedMicros.toString(),
        lost_other: books.problems.length,
      });
    } finally {
      await last.stop();
    }
  }, 60_000 + ROUNDS * 10_000);
});
