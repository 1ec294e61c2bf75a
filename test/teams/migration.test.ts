// Migration 020 rolls up the usage records written before it into key_spend_daily (credit-billed
// ones only), and its trigger keeps the rollup for every record written after, by any writer.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import * as accounts from '../../src/accounts/service';
import { openDatabase, type DbHandle } from '../../src/db';
import { migrate } from '../../src/db/migrate';
import { MIGRATIONS } from '../../src/db/migrations';
import { auditKeySpend } from '../../src/teams/audit';
import { insertUsageRecord, type UsageRecord } from '../../src/usage/service';
import { createTestDatabase, type TestDatabase } from '../support/database';

const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2026, 9, 30, 22);

let database: TestDatabase;
let handle: DbHandle;
beforeAll(async () => {
  database = await createTestDatabase();
  handle = openDatabase({ url: database.url, dataDir: database.dataDir });
  await migrate(handle, MIGRATIONS.filter((migration) => migration.version < 20));
});
afterAll(async () => {
  await handle.close();
  await database.drop();
});

function record(accountId: string, n: number, keyId: string, billing: 'credits' | 'plan', atMs: number): UsageRecord {
  return { id: `req_m${n}`, requestId: `r${n}`, keyId, accountId, billing, endpoint: 'chat.completions', model: 'm', upstream: 'u', statusCode: 200, outcome: 'ok', promptTokens: 1, completionTokens: 1, usageEstimated: false, costMicros: BigInt(n * 10), holdId: null, latencyMs: 1, ttftMs: null, createdAtMs: atMs };
}

async function spendOf(keyId: string): Promise<{ day: number; requests: number; cost: bigint }[]> {
  const rows = await handle.db.selectFrom('key_spend_daily').selectAll().where('key_id', '=', keyId).orderBy('day_index').execute();
  return rows.map((row) => ({ day: Number(row.day_index), requests: Number(row.requests), cost: BigInt(row.cost_micros) }));
}

describe('migration 020', () => {
  test('rolls up earlier records per key and UTC day, then the trigger adds later ones', async () => {
    const accountId = (await accounts.createAccount(handle.db, { name: 'before', email: null, plan: null }, START_MS)).id;
    const atMs = (hours: number) => START_MS + hours * 3_600_000;
    await insertUsageRecord(handle.db, record(accountId, 1, 'key_a', 'credits', atMs(0)));
    await insertUsageRecord(handle.db, record(accountId, 2, 'key_a', 'credits', atMs(1)));
    await insertUsageRecord(handle.db, record(accountId, 3, 'key_a', 'credits', atMs(3))); // the next UTC day
    await insertUsageRecord(handle.db, record(accountId, 4, 'key_a', 'plan', atMs(3)));
    await migrate(handle);
    const day = Math.floor(START_MS / DAY_MS);
    expect(await spendOf('key_a')).toEqual([{ day, requests: 2, cost: 30n }, { day: day + 1, requests: 1, cost: 30n }]);

    await insertUsageRecord(handle.db, record(accountId, 5, 'key_a', 'credits', atMs(4)));
    await insertUsageRecord(handle.db, record(accountId, 6, 'key_b', 'credits', atMs(4)));
    await insertUsageRecord(handle.db, record(accountId, 7, 'key_b', 'plan', atMs(4)));
    expect(await spendOf('key_a')).toEqual([{ day, requests: 2, cost: 30n }, { day: day + 1, requests: 2, cost: 80n }]);
    expect(await spendOf('key_b')).toEqual([{ day: day + 1, requests: 1, cost: 60n }]);
    expect(await auditKeySpend(handle.db)).toEqual([]);
  });
});
