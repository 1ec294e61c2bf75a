// Acceptance (issue 14, database faults): PostgreSQL stopped and started again under load. The
// database is a private instance the test starts itself (the machine's shared one is never
// stopped). While it is down, requests answer 503 with OpenAI's error JSON; once it is back the
// gateway serves again on its own, every completed response has exactly one charge, and the books
// balance.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type DbHandle } from '../../src/db';
import { ledgerProblems } from '../support/audit';
import { TEST_DB_KIND } from '../support/env';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { postgresBinDir, startOwnPostgres, type OwnPostgres } from '../support/postgres-server';
import type { ServerProcess } from '../support/server-process';
import { readBooks, waitUntilSwept } from './books';
import { createCustomerOverHttp } from './customer-over-http';
import { gatewayLauncher, type GatewayLauncher } from './gateway-process';
import { isDatabaseUnavailableAnswer, runLoad, type Outcome } from './load';
import { LONG_FAULTS, reportFaults } from './report';

const OUTAGES = LONG_FAULTS ? 5 : 1;
// Long enough that requests stop waiting for a connection and answer 503 (a short blip is ridden out).
const DOWN_MS = 9000;
const binDir = postgresBinDir();
if (TEST_DB_KIND === 'postgres' && !binDir) console.warn('[faults] pg-restart skipped: no PostgreSQL server binaries under /usr/lib/postgresql');

let own: OwnPostgres;
let fake: FakeUpstream;
let launcher: GatewayLauncher;
let gateway: ServerProcess;
let handle: DbHandle;
let dataDir: string;

describe.skipIf(TEST_DB_KIND !== 'postgres' || !binDir)('PostgreSQL stopped and started again under load', () => {
  beforeAll(async () => {
    own = await startOwnPostgres(binDir!);
    fake = startFakeUpstream();
    dataDir = mkdtempSync(join(tmpdir(), 'inferport-pg-restart-'));
    launcher = gatewayLauncher({ kind: 'postgres', url: own.url, dataDir, drop: async () => {} }, fake.url);
    gateway = await launcher.start();
    handle = openDatabase({ url: own.url, dataDir, poolSize: 2 });
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await handle?.close();
    await fake?.stop();
    await own?.remove();
    launcher?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test(`${OUTAGES} outage(s) of ${DOWN_MS} ms: 503 while down, served again after, one charge per completed response`, async () => {
    const customer = await createCustomerOverHttp(gateway.url, '1000');
    fake.setBehavior({ chunks: 8, chunkDelayMs: 5 });
    const outcomes: Outcome[] = [];
    for (let outage = 0; outage < OUTAGES; outage++) {
      const cycle = (async () => {
        await Bun.sleep(500);
        await own.stopServer();
        await Bun.sleep(DOWN_MS);
        await own.startServer();
        await Bun.sleep(500);
      })();
      outcomes.push(...(await runLoad({ baseUrl: gateway.url, key: customer.key, clients: 4, prefix: `outage${outage}`, until: cycle })));
    }
    // Every failure was a 503 with an OpenAI error code: no 500, no connection dropped, no hang.
    const failed = outcomes.filter((outcome) => outcome.costMicros === null);
    expect(failed.filter((outcome) => !isDatabaseUnavailableAnswer(outcome))).toEqual([]);
    expect(failed.length).toBeGreaterThan(0);
    // Served again, nobody restarted anything.
    const after = await runLoad({ baseUrl: gateway.url, key: customer.key, clients: 2, prefix: 'after', until: Bun.sleep(1000) });
    expect(after.filter((outcome) => outcome.costMicros === null)).toEqual([]);

    const books = await readBooks(handle.db, customer.accountId, [...outcomes, ...after], fake.requests);
    expect(books.problems).toEqual([]);
    expect(await ledgerProblems(handle.db)).toEqual([]);
    expect(await waitUntilSwept(handle.db, customer.accountId, 20_000)).toEqual({ openLeases: 0, pendingHolds: 0, reservedMicros: 0n });
    reportFaults('pg-restart', {
      outages: OUTAGES,
      requests: outcomes.length + after.length,
      completed: books.completed,
      answered_503: failed.length,
      longest_wait_ms: Math.max(...outcomes.map((outcome) => outcome.elapsedMs)),
      uncharged_served: books.unchargedServed,
      lost_other: books.problems.length,
    });
  }, 60_000 + OUTAGES * 25_000);
});
