// Acceptance (issue 14, database faults): the SQLite file's disk fills up under load. The data
// directory is on a small tmpfs of the test's own, filled to the last byte while clients stream
// and ask for JSON answers. Requests then get a clear error (507 storage_full or 503, OpenAI
// error JSON; a stream under way ends with it as its last event), the file is not corrupted
// (integrity_check, the auditor), and the gateway serves again once space returns, no restart.
import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { openDatabase } from '../../src/db';
import { ledgerProblems } from '../support/audit';
import { TEST_DB_KIND } from '../support/env';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import type { ServerProcess } from '../support/server-process';
import { mountSmallDisk, type SmallDisk } from '../support/small-disk';
import { readBooks } from './books';
import { createCustomerOverHttp } from './customer-over-http';
import { gatewayLauncher, type GatewayLauncher } from './gateway-process';
import { isDatabaseUnavailableAnswer, runLoad } from './load';
import { reportFaults } from './report';

const mounted = TEST_DB_KIND === 'sqlite' ? mountSmallDisk(16) : null;
if (mounted && 'skipped' in mounted) console.warn(`[faults] sqlite-disk-full skipped: ${mounted.skipped}`);
const disk = mounted && !('skipped' in mounted) ? mounted : null;

let fake: FakeUpstream;
let launcher: GatewayLauncher;
let gateway: ServerProcess;

describe.skipIf(disk === null)('the SQLite disk fills up under load', () => {
  beforeAll(async () => {
    fake = startFakeUpstream();
    launcher = gatewayLauncher({ kind: 'sqlite', url: null, dataDir: disk!.dir, drop: async () => {} }, fake.url);
    gateway = await launcher.start();
  });
  afterAll(async () => {
    await gateway?.stop();
    await fake?.stop();
    launcher?.remove();
    disk!.unmount();
  });

  test('a clear error while full, no corruption, served again once space returns', async () => {
    const customer = await createCustomerOverHttp(gateway.url, '1000');
    fake.setBehavior({ chunks: 8, chunkDelayMs: 5 });
    const full = (async () => {
      await Bun.sleep(500);
      await disk!.fill();
      await Bun.sleep(3000);
    })();
    const outcomes = await runLoad({ baseUrl: gateway.url, key: customer.key, clients: 4, prefix: 'full', until: full });
    const failed = outcomes.filter((outcome) => outcome.costMicros === null);
    expect(failed.filter((outcome) => !isDatabaseUnavailableAnswer(outcome))).toEqual([]);
    expect(failed.filter((outcome) => outcome.errorCode === 'storage_full').length).toBeGreaterThan(0);

    disk!.free();
    const after = await runLoad({ baseUrl: gateway.url, key: customer.key, clients: 2, prefix: 'after', until: Bun.sleep(1500) });
    expect(after.filter((outcome) => outcome.costMicros === null)).toEqual([]);

    await gateway.stop();
    const file = new Database(join(disk!.dir, 'inferport.sqlite'), { readonly: true });
    const integrity = file.query('PRAGMA integrity_check').all();
    file.close();
    expect(integrity).toEqual([{ integrity_check: 'ok' }]);
    const handle = openDatabase({ url: null, dataDir: disk!.dir });
    try {
      const books = await readBooks(handle.db, customer.accountId, [...outcomes, ...after], fake.requests);
      expect(books.problems).toEqual([]);
      expect(await ledgerProblems(handle.db)).toEqual([]);
      reportFaults('sqlite-disk-full', {
        requests: outcomes.length + after.length,
        completed: books.completed,
        answered_507: failed.filter((outcome) => outcome.errorCode === 'storage_full').length,
        answered_503: failed.filter((outcome) => outcome.errorCode === 'service_unavailable').length,
        longest_wait_ms: Math.max(...outcomes.map((outcome) => outcome.elapsedMs)),
        uncharged_served: books.unchargedServed,
        lost_other: books.problems.length,
      });
    } finally {
      await handle.close();
    }
  }, 60_000);
});
