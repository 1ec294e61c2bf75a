// Settlements are batched (group commit), so this proves the rule that makes batching safe: a
// response completes only after its charge is durable. A gateway process is killed with SIGKILL
// while requests are still finishing; every response a client received in full must have its
// charge and usage record in the database, and the ledger must balance.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ledger from '../../src/ledger/service';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../support/server-process';
import { ADMIN_TOKEN } from '../support/env';
import { createCustomer, createGatewayFixture, type Customer, type GatewayFixture } from './support';

let fixture: GatewayFixture;
let customer: Customer;
let configDir: string;

beforeAll(async () => {
  fixture = await createGatewayFixture();
  customer = await createCustomer(fixture, 100_000_000n);
  configDir = mkdtempSync(join(tmpdir(), 'inferport-crash-'));
  const upstream = fixture.testApp.config.upstreams[0]!;
  await Bun.write(
    join(configDir, 'inferport.toml'),
    `[[upstreams]]\nname = "fake"\nurl = "${upstream.url}"\nmodels = ["fake-model"]\n\n[wallet]\ntrial_credits = 0\n\n[ledger]\nlease_ttl_seconds = 5\nsweep_interval_seconds = 1\n`,
  );
});
afterAll(async () => {
  await fixture.close();
  rmSync(configDir, { recursive: true, force: true });
});

function startGateway(): Promise<ServerProcess> {
  const database = fixture.testApp.database;
  return startServerProcess([process.execPath, 'src/index.ts', 'serve'], {
    cwd: REPO_ROOT,
    env: {
      INFERPORT_CONFIG: join(configDir, 'inferport.toml'),
      INFERPORT_ADMIN_TOKEN: ADMIN_TOKEN,
      // The same database the test reads: Postgres, or the SQLite file in the fixture's data dir.
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      INFERPORT_DATA_DIR: database.dataDir,
    },
  });
}

interface Completed {
  requestId: string;
  cost: string;
}

/** One request read to its very end; null if the process died before it completed. */
async function completeRequest(baseUrl: string, requestId: string, stream: boolean): Promise<Completed | null> {
  try {
    const response = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'a b c' }], max_tokens: 16, stream, ...(stream ? { stream_options: { include_usage: true } } : {}) }),
    });
    const text = await response.text();
    if (response.status !== 200) return null;
    if (!stream) return { requestId, cost: (JSON.parse(text) as { usage: { cost: string } }).usage.cost };
    if (!text.endsWith('data: [DONE]\n\n')) return null; // cut off by the crash: not a completed response
    const usageLine = text.split('\n\n').find((event) => event.includes('"cost"'))!;
    return { requestId, cost: (JSON.parse(usageLine.slice('data: '.length)) as { usage: { cost: string } }).usage.cost };
  } catch {
    return null;
  }
}

describe('a crash right after responses completed', () => {
  test('every completed response has its charge and usage record; the ledger balances; the lease expires', async () => {
    fixture.fake.setBehavior({ chunks: 8, chunkDelayMs: 5 });
    const gateway = await startGateway();
    const completed: Completed[] = [];
    let killed = false;
    const sends = Array.from({ length: 40 }, async (_, index) => {
      const result = await completeRequest(gateway.url, `crash-${index}`, index % 2 === 0);
      if (result && !killed) completed.push(result);
      // Kill the process the moment the tenth response has completed, with others mid-flight.
      if (completed.length >= 10 && !killed) {
        killed = true;
        await gateway.crash();
      }
    });
    await Promise.all(sends);
    if (!killed) await gateway.crash();
    fixture.fake.reset();
    expect(completed.length).toBeGreaterThanOrEqual(10);

    const db = fixture.testApp.context.db;
    const records = await db.selectFrom('usage_records').selectAll().where('account_id', '=', customer.accountId).execute();
    const byRequest = new Map(records.map((row) => [row.request_id, row]));
    for (const response of completed) {
      const record = byRequest.get(response.requestId);
      expect(record, `usage record of ${response.requestId}`).toBeDefined();
      expect(record!.outcome).toBe('ok');
      expect(BigInt(record!.cost_micros)).toBe(BigInt(response.cost.replace('.', '')));
      // The request row is its charge; its batch transaction carries the money (the audit sums them).
      expect(record!.charge_status).toBe('posted');
      const batch = await db.selectFrom('ledger_transactions').select('kind').where('id', '=', record!.transaction_id ?? '').execute();
      expect(batch.map((row) => row.kind)).toEqual(['charge']);
    }
    expect((await ledger.auditLedger(db)).problems).toEqual([]);

    // The dead process's lease still holds credit; a new process's sweeper gives it back.
    const restarted = await startGateway();
    try {
      const deadline = Date.now() + 15_000;
      let open = 1;
      while (Date.now() < deadline) {
        open = (await db.selectFrom('leases').select('id').where('account_id', '=', customer.accountId).where('status', '=', 'open').execute()).length;
        if (open === 0) break;
        await Bun.sleep(200);
      }
      expect(open).toBe(0);
      const summary = await ledger.getWalletSummary(db, customer.accountId, Date.now());
      expect(summary.availableMicros).toBe(summary.balanceMicros);
      expect((await ledger.auditLedger(db)).problems).toEqual([]);
    } finally {
      await restarted.stop();
    }
  }, 60_000);
});
