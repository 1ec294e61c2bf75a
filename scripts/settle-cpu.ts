// Postgres CPU per settled request: settles `BATCHES` batches of 64 (or the size given) leased requests through
// settleBatch on a fresh database with one connection, and reads that connection's backend CPU
// (utime + stime in /proc/<pid>/stat) before and after. Prints µs of Postgres CPU per request.
// Other accounts (each with a wallet and a grant) make the tables the size of a real install's.
// Usage: bun scripts/settle-cpu.ts [batches] [repeats] [batch size, 64] [other accounts, 0] [rollups, full]   (needs Postgres at INFERPORT_TEST_PG_URL)
// rollups (issue 12's console rollups, to price them): full = as shipped (usage_daily and usage_top);
// none = migration 009's function, no rollup; daily = usage_daily only; index = usage_daily and,
// instead of usage_top, a partial index usage_records (account_id, cost_micros) WHERE cost_micros > 0.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import postgres from 'postgres';
import * as accounts from '../src/accounts/service';
import { openDatabase } from '../src/db';
import { migrate } from '../src/db/migrate';
import { drawFromAllocations } from '../src/ledger/allocate';
import { acquireLease } from '../src/ledger/leases';
import * as ledger from '../src/ledger/service';
import { buildChargeRows } from '../src/ledger/charge-rows';
import { applyPostgresRows } from '../src/ledger/settlement-postgres';
import { chargeOfItem, settleBatch, type LeaseUpdate, type SettlementItem } from '../src/ledger/settlement';
import type { DbHandle } from '../src/db';

const BASE_URL = process.env.INFERPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BATCHES = Number(process.argv[2] ?? 150);
const REPEATS = Number(process.argv[3] ?? 5);
const BATCH = Number(process.argv[4] ?? 64);
const OTHERS = Number(process.argv[5] ?? 0);
const ROLLUPS = (process.argv[6] ?? 'full') as 'full' | 'none' | 'daily' | 'index';
if (!['full', 'none', 'daily', 'index'].includes(ROLLUPS)) throw new Error(`rollups must be full, none, daily or index, not ${ROLLUPS}`);
const TICK_US = 1_000_000 / 100; // USER_HZ

function backendCpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

async function runOnce(round: number): Promise<number> {
  const name = `inferport_settle_cpu_${process.pid}_${round}`;
  const admin = postgres(BASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const handle = openDatabase({ url: BASE_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`), dataDir: '/tmp', poolSize: 1 });
  try {
    await migrate(handle);
    await addOtherAccounts(handle.db, OTHERS);
    const settle = await rollupVariant(handle);
    let now = Date.now();
    const accountId = (await accounts.createAccount(handle.db, { name: 'bench', email: null, plan: null }, now)).id;
    await ledger.grant(handle.db, { accountId, kind: 'paid', amountMicros: 1_000_000_000_000n, expiresAtMs: null, source: 'admin', idempotencyKey: 'bench-paid' }, now);
    const lease = await handle.db.transaction().execute((trx) =>
      acquireLease(trx, { leaseId: null, accountId, owner: 'bench', needMicros: 100_000_000_000n, wantMicros: 100_000_000_000n, spareMicros: 0n, ttlMs: 3_600_000 }, now),
    );
    let allocations = lease.allocations;
    const pid = Number((await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(handle.db)).rows[0]!.pid);
    let n = 0;
    const batch = (): [SettlementItem[], LeaseUpdate] => {
      const update: LeaseUpdate = { leaseId: lease.leaseId, accountId, drawnMicros: 0n, allocations, expiresAtMs: now + 3_600_000 };
      const items: SettlementItem[] = [];
      for (let i = 0; i < BATCH; i++) {
        n++;
        const voided = n % 16 === 0;
        const charge = voided ? 0n : 37n;
        const holdId = `hold_b${round}_${n}`;
        const { draws, rest } = voided ? { draws: [], rest: update.allocations } : drawFromAllocations(update.allocations, charge);
        update.allocations = rest;
        update.drawnMicros += charge;
        items.push({
          holdId, accountId, reservedMicros: 500n, reservedAtMs: now - 3, outcome: voided ? 'voided' : 'posted', chargeMicros: charge, draws, leaseId: lease.leaseId, memo: 'chat.completions m',
          record: { id: `req_b${round}_${n}`, requestId: `r${n}`, keyId: 'key_bench', accountId, billing: 'credits', endpoint: 'chat.completions', model: 'm', upstream: 'u', statusCode: 200, outcome: 'ok', promptTokens: 20, completionTokens: 30, usageEstimated: false, costMicros: charge, holdId, latencyMs: 2, ttftMs: null, createdAtMs: now - 3 },
        });
      }
      allocations = update.allocations;
      return [items, update];
    };
    for (let i = 0; i < 20; i++) { const [items, update] = batch(); await settle(items, [update], ++now); }
    const before = backendCpuUs(pid);
    for (let i = 0; i < BATCHES; i++) { const [items, update] = batch(); await settle(items, [update], ++now); }
    const cpuUs = backendCpuUs(pid) - before;
    const kept = await handle.db.selectFrom('usage_top').select((eb) => eb.fn.countAll<bigint>().as('rows')).executeTakeFirstOrThrow();
    topRows.push(Number(kept.rows));
    return cpuUs / (BATCHES * BATCH);
  } finally {
    await handle.close();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** How batches are settled for the ROLLUPS variant: settleBatch as shipped, or its rows without (some) rollups. */
async function rollupVariant(handle: DbHandle) {
  if (ROLLUPS === 'full') return (items: SettlementItem[], leases: LeaseUpdate[], nowMs: number) => settleBatch(handle, items, leases, nowMs);
  if (ROLLUPS === 'none') {
    const migration = readFileSync(new URL('../sql/postgres/009_request_charges.sql', import.meta.url), 'utf8');
    await sql.raw(migration.slice(migration.indexOf('CREATE OR REPLACE FUNCTION'))).execute(handle.db);
  }
  if (ROLLUPS === 'index') await sql`CREATE INDEX usage_records_cost_idx ON usage_records (account_id, cost_micros) WHERE cost_micros > 0`.execute(handle.db);
  return async (items: SettlementItem[], leases: LeaseUpdate[], nowMs: number) => {
    const charges = items.map((item) => chargeOfItem(item, item.outcome === 'posted' ? { kind: 'lease', leaseId: item.leaseId! } : { kind: 'free' }, item.draws));
    const { usageDaily, usageTop, ...rows } = buildChargeRows(charges, leases, nowMs);
    await applyPostgresRows(handle.postgres!, ROLLUPS === 'none' ? ({ ...rows } as never) : { ...rows, usageDaily, usageTop: [] });
  };
}

/** `count` bystander accounts with a wallet and a paid grant each, written in bulk. */
async function addOtherAccounts(db: ReturnType<typeof openDatabase>['db'], count: number): Promise<void> {
  if (count === 0) return;
  await sql`INSERT INTO accounts (id, name, created_at_ms, updated_at_ms) SELECT 'acct_other_' || n, 'other', 1, 1 FROM generate_series(1, ${count}::int) AS n`.execute(db);
  await sql`INSERT INTO wallets (account_id, balance_micros, updated_at_ms) SELECT 'acct_other_' || n, 1000, 1 FROM generate_series(1, ${count}::int) AS n`.execute(db);
  await sql`INSERT INTO grants (id, account_id, kind, source, amount_micros, remaining_micros, created_at_ms) SELECT 'grant_other_' || n, 'acct_other_' || n, 'paid', 'admin', 1000, 1000, 1 FROM generate_series(1, ${count}::int) AS n`.execute(db);
  await sql`ANALYZE`.execute(db);
}

const results: number[] = [];
const topRows: number[] = [];
for (let round = 0; round < REPEATS; round++) results.push(await runOnce(round));
const sorted = [...results].sort((a, b) => a - b);
console.log(JSON.stringify({ rollups: ROLLUPS, batch: BATCH, batches: BATCHES, other_accounts: OTHERS, runs_us_per_request: results.map((r) => Math.round(r)), median_us_per_request: Math.round(sorted[Math.floor(sorted.length / 2)]!), usage_top_rows: topRows }));
