// The cost console at scale (issue 12): 200 000 usage records over 60 days, rolled up by
// migration 018's backfill, then more records added through the rollup statements. The report
// equals the brute-force recomputation from the raw rows, and none of its queries scans
// usage_records whole (EXPLAIN on both databases).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { CompiledQuery, sql, type KyselyPlugin, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import * as accounts from '../../src/accounts/service';
import { openDatabase, type DbHandle } from '../../src/db';
import { migrate } from '../../src/db/migrate';
import { MIGRATIONS } from '../../src/db/migrations';
import * as ledger from '../../src/ledger/service';
import { walletJson } from '../../src/money-wire/wire';
import { usageReportJson } from '../../src/console/usage-routes';
import { buildUsageReport } from '../../src/usage/report';
import { insertUsageRecord } from '../../src/usage/service';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { bruteForceReport } from './brute-force';

const ROWS = 200_000;
// Seeding and the brute force take seconds; on a busy machine, many.
const SLOW_MS = 120_000;
const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2026, 3, 1);
const SPACING_MS = (60 * DAY_MS) / ROWS;
const END_MS = START_MS + 60 * DAY_MS;

let database: TestDatabase;
let handle: DbHandle;
let main: string;

beforeAll(async () => {
  database = await createTestDatabase();
  handle = openDatabase({ url: database.url, dataDir: database.dataDir, poolSize: 4 });
  await migrate(handle, MIGRATIONS.filter((migration) => migration.version < 18));
  main = (await accounts.createAccount(handle.db, { name: 'main', email: null, plan: null }, START_MS)).id;
  const other = (await accounts.createAccount(handle.db, { name: 'other', email: null, plan: null }, START_MS)).id;
  const granted = await ledger.grant(handle.db, { accountId: main, kind: 'paid', amountMicros: 10_000_000n, expiresAtMs: null, source: 'admin', idempotencyKey: 'scale-seed' }, START_MS);
  await seedRecords(main, other);
  await seedDeployment(granted.transactionId);
  // Migration 018 rolls up the records written before it.
  await migrate(handle);
  if (handle.kind === 'postgres') await sql`ANALYZE`.execute(handle.db);
}, SLOW_MS);
afterAll(async () => {
  await handle.close();
  await database.drop();
});

/** Every 10th record is the other account's; costs repeat (ties) and every 13th is free. */
async function seedRecords(mainId: string, otherId: string): Promise<void> {
  const pg = handle.kind === 'postgres';
  const id = pg ? sql`'use_s' || lpad(n::text, 7, '0')` : sql`'use_s' || printf('%07d', n)`;
  const series = pg ? sql`generate_series(1::bigint, ${sql.lit(ROWS)}) AS s(n)` : sql`s`;
  const prefix = pg ? sql`` : sql`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${sql.lit(ROWS)}) `;
  await sql`${prefix}INSERT INTO usage_records (id, request_id, key_id, account_id, billing, endpoint, model, upstream, status_code, outcome, prompt_tokens, completion_tokens, cost_micros, latency_ms, created_at_ms, charge_status)
    SELECT ${id}, 'req' || n, 'key_s', CASE WHEN n % 10 = 0 THEN ${otherId} ELSE ${mainId} END, 'credits', 'chat.completions', 'model-' || (n % 5),
      CASE WHEN n % 7 = 0 THEN 'dep_scale' WHEN n % 3 = 0 THEN NULL ELSE 'local' END, 200, 'ok', n % 1000, n % 300,
      CASE WHEN n % 13 = 0 THEN 0 ELSE (n * 7919) % 100003 END, 5, ${sql.lit(START_MS)} + CAST(n * ${sql.lit(SPACING_MS)} AS bigint), 'posted'
    FROM ${series}`.execute(handle.db);
}

/** A deployment billed every hour of the 60 days (its hours reference the seed grant's transaction: only the figures matter here). */
async function seedDeployment(transactionId: string): Promise<void> {
  const at = BigInt(START_MS);
  await handle.db.insertInto('deployments').values({ id: 'dep_scale', account_id: main, model: 'model-1', instance_type: 'gpu-s', upstream_url: 'http://127.0.0.1:9', per_hour_micros: 600_000n, status: 'running', started_at_ms: at, paused_at_ms: null, stopped_at_ms: null, created_at_ms: at, updated_at_ms: at }).execute();
  const rows = Array.from({ length: 60 * 24 }, (_, hour) => ({ deployment_id: 'dep_scale', hour_index: BigInt(START_MS / 3_600_000 + hour), account_id: main, amount_micros: 600_000n, transaction_id: transactionId, charged_at_ms: BigInt(START_MS + hour * 3_600_000 + 60_000) }));
  for (let at = 0; at < rows.length; at += 500) await handle.db.insertInto('deployment_hours').values(rows.slice(at, at + 500)).execute();
}

async function reportJson(nowMs: number, days: 7 | 14 | 30, db = handle.db) {
  const balance = await ledger.getWalletSummary(handle.db, main, nowMs);
  return { json: usageReportJson(await buildUsageReport(db, main, days, nowMs), balance), wallet: walletJson(balance) };
}

/** Records every query run through it, compiled, so each can be explained. */
function recordingPlugin(queries: CompiledQuery[]): KyselyPlugin {
  return {
    transformQuery: (args) => {
      queries.push(handle.db.getExecutor().compileQuery(args.node as RootOperationNode, args.queryId));
      return args.node as RootOperationNode;
    },
    transformResult: async (args: { result: QueryResult<UnknownRow> }) => args.result,
  };
}

describe('GET /console/usage at 200 000 usage rows', () => {
  test('every figure equals the brute-force recomputation, for 7, 14 and 30 days', async () => {
    for (const days of [7, 14, 30] as const) {
      const nowMs = END_MS - 3 * 3_600_000;
      const { json, wallet } = await reportJson(nowMs, days);
      expect(json).toEqual(await bruteForceReport(handle.db, main, days, nowMs, wallet));
      expect(json.top_requests).toHaveLength(10);
      // Billed every hour of the seeded 60 days, so every hour of the window's days.
      expect(json.by_deployment[0]).toMatchObject({ id: 'dep_scale', hours: days * 24 });
    }
  }, SLOW_MS);

  test('records added after the backfill go through the rollups: expensive ones reach the top 10', async () => {
    const nowMs = END_MS - 3_600_000;
    for (const [index, costMicros] of [500_000n, 100_002n, 3n, 100_002n].entries()) {
      await insertUsageRecord(handle.db, {
        id: `use_late_${index}`, requestId: `late-${index}`, keyId: 'key_s', accountId: main, billing: 'credits', endpoint: 'embeddings', model: 'model-late', upstream: null,
        statusCode: 200, outcome: 'ok', promptTokens: 7, completionTokens: 0, usageEstimated: false, costMicros, holdId: null, latencyMs: 3, ttftMs: null, createdAtMs: nowMs - index,
      });
    }
    const { json, wallet } = await reportJson(nowMs, 7);
    expect(json).toEqual(await bruteForceReport(handle.db, main, 7, nowMs, wallet));
    expect(json.top_requests.slice(0, 3).map((row) => row.request_id)).toEqual(['late-0', 'late-3', 'late-1']);
  }, SLOW_MS);

  test('no query of the report scans usage_records whole', async () => {
    const queries: CompiledQuery[] = [];
    await reportJson(END_MS, 30, handle.db.withPlugin(recordingPlugin(queries)));
    expect(queries.length).toBeGreaterThanOrEqual(4);
    // Postgres plans the small rollup tables of this test as sequential scans, rightly; with those
    // off, each query must still have an index path (at 10 M rows they are large too).
    const plans = await handle.db.transaction().execute(async (trx) => {
      if (handle.kind === 'postgres') await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      const explained: string[] = [];
      for (const query of queries) {
        const explain = handle.kind === 'postgres' ? 'EXPLAIN ' : 'EXPLAIN QUERY PLAN ';
        const result = await trx.executeQuery<Record<string, unknown>>(CompiledQuery.raw(explain + query.sql, [...query.parameters]));
        explained.push(result.rows.map((row) => String(row['QUERY PLAN'] ?? row.detail)).join('\n'));
      }
      return explained;
    });
    const all = plans.join('\n');
    // The top 10's records are read by id: the plans do name usage_records, by its primary key.
    expect(all).toMatch(/usage_records/);
    expect(all).toMatch(handle.kind === 'postgres' ? /Index Scan using usage_records_pkey/ : /SEARCH usage_records USING INDEX/);
    const scanned = handle.kind === 'postgres' ? /Seq Scan on (usage_records|usage_daily|usage_top|deployment_hours)\b/ : /\bSCAN (usage_records|usage_daily|usage_top|deployment_hours)\b/;
    expect(all).not.toMatch(scanned);
  }, SLOW_MS);
});
