// Acceptance (issue 14): `inferport audit` on a live database checks only what is new since its
// checkpoint, and exits 1 naming the broken invariant when a ledger row is wrong: an entry
// inserted behind the ledger's back, a wallet changed outside it. `--full` scans everything.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditLedgerIncrementally } from '../../src/recovery/incremental-audit';
import { createAccountWithKey, createTestApp, type TestApp } from '../support/app';
import { ADMIN_TOKEN } from '../support/env';
import { runInferport } from './cli';

setDefaultTimeout(60_000);

let testApp: TestApp;
let workDir: string;

beforeAll(async () => {
  testApp = await createTestApp();
  workDir = mkdtempSync(join(tmpdir(), 'inferport-audit-'));
  await Bun.write(join(workDir, 'inferport.toml'), '');
}, 30_000);
afterAll(async () => {
  await testApp?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 30_000);

const audit = (...args: string[]) =>
  runInferport(['audit', ...args, '--config', join(workDir, 'inferport.toml')], {
    INFERPORT_ADMIN_TOKEN: ADMIN_TOKEN,
    INFERPORT_DATA_DIR: testApp.database.dataDir,
    ...(testApp.database.url ? { DATABASE_URL: testApp.database.url } : {}),
  });

async function grant(accountId: string, amount: string): Promise<string> {
  const response = await testApp.admin('POST', `/admin/accounts/${accountId}/credits`, { amount, kind: 'paid' });
  expect(response.status).toBe(200);
  return ((await response.json()) as { grant_id: string }).grant_id;
}

const entryCount = async () => Number((await sql<{ n: bigint }>`SELECT COUNT(*) AS n FROM ledger_entries`.execute(testApp.context.db)).rows[0]!.n);
const options = (maxEntries = 1000) => ({ maxEntries, nowMs: Date.now() + 120_000, postgresLagMs: 60_000 });

describe('inferport audit', () => {
  let accountId: string;
  let grantId: string;

  test('a clean ledger: exit 0, and each run starts where the last one stopped', async () => {
    ({ accountId } = await createAccountWithKey(testApp));
    grantId = await grant(accountId, '10');
    const first = await audit();
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(first.stdout).toContain('inferport audit: ok: entries 1 to');
    // In process, with a clock past the PostgreSQL lag, so the checkpoint moves to the newest entry.
    const caught = await auditLedgerIncrementally(testApp.context.db, options());
    expect(caught.ok).toBe(true);
    const newest = caught.checkpointEntryId;
    await grant(accountId, '2.5');
    const next = await auditLedgerIncrementally(testApp.context.db, options());
    expect({ ok: next.ok, from: next.fromEntryId, entries: next.entries, transactions: next.transactions, caughtUp: next.caughtUp }).toEqual({ ok: true, from: newest, entries: 2, transactions: 1, caughtUp: true });
    expect(next.checkpointEntryId).toBe(newest + 2n);
    const idle = await auditLedgerIncrementally(testApp.context.db, options());
    expect({ entries: idle.entries, ok: idle.ok }).toEqual({ entries: 0, ok: true });
  });

  test('a backlog larger than --max-entries is worked through over several runs', async () => {
    for (const amount of ['1', '2', '3']) await grant(accountId, amount);
    const partial = await audit('--max-entries', '2');
    expect(partial.code).toBe(0);
    expect(partial.stdout).toContain('more entries are waiting');
    const runs: boolean[] = [];
    for (let run = 0; run < 5 && !runs.at(-1); run++) runs.push((await auditLedgerIncrementally(testApp.context.db, options(2))).caughtUp);
    expect(runs.at(-1)).toBe(true);
    expect(runs.length).toBeGreaterThan(1);
    expect((await audit('--max-entries', 'lots')).code).toBe(2);
    expect((await audit('--fast')).code).toBe(2);
    if (!testApp.database.url) {
      const missing = await runInferport(['audit', '--config', join(workDir, 'inferport.toml')], { INFERPORT_DATA_DIR: join(workDir, 'nowhere') });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('no database at');
    }
  });

  test('an unbalanced entry inserted directly into the database: exit 1 with the transaction named', async () => {
    const nowMs = BigInt(Date.now());
    const db = testApp.context.db;
    await db.insertInto('ledger_transactions').values({ id: 'txn_forged', idempotency_key: 'forged', fingerprint: 'forged', kind: 'adjust', account_id: accountId, amount_micros: 5n, hold_id: null, memo: 'forged', created_at_ms: nowMs } as never).execute();
    await db.insertInto('ledger_entries').values({ transaction_id: 'txn_forged', book: 'grant', ledger_account: grantId, account_id: accountId, amount_micros: 5n, created_at_ms: nowMs } as never).execute();
    const entriesBefore = await entryCount();
    const broken = await audit();
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('transaction txn_forged entries sum to 5, not 0');
    expect(broken.stderr).toContain(`grant ${grantId} remaining`);
    expect(broken.stderr).toContain(`wallet ${accountId} balance`);
    // It stays reported (the checkpoint does not move past a failure), and --full agrees.
    expect((await audit()).code).toBe(1);
    const full = await audit('--full');
    expect(full.code).toBe(1);
    expect(full.stderr).toContain('transaction txn_forged entries sum to 5, not 0');
    expect(await entryCount()).toBe(entriesBefore);
    await db.deleteFrom('ledger_entries').where('transaction_id', '=', 'txn_forged').execute();
    await db.deleteFrom('ledger_transactions').where('id', '=', 'txn_forged').execute();
    expect((await audit()).code).toBe(0);
  });

  test('a wallet changed outside the ledger, with no new entry: exit 1 from the global sums', async () => {
    const db = testApp.context.db;
    await auditLedgerIncrementally(db, options());
    await db.updateTable('wallets').set((eb) => ({ balance_micros: eb('balance_micros', '+', 7n) })).where('account_id', '=', accountId).execute();
    const broken = await audit();
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('all wallet balances sum to');
    expect(broken.stderr).toContain('inferport audit --full');
    await db.updateTable('wallets').set((eb) => ({ balance_micros: eb('balance_micros', '-', 7n) })).where('account_id', '=', accountId).execute();
    expect((await audit()).code).toBe(0);
  });
});
