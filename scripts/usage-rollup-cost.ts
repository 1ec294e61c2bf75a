// What the cost console's rollups (issue 12) add to a settlement batch on PostgreSQL, statement by
// statement: N one-request "batches", each the usage record's insert plus (or not) a rollup
// statement, committed one by one (synchronous_commit off, so no fsync), in a plpgsql loop with
// its plans cached as in inferport_apply_charges. Priced as the backend's CPU time (utime +
// stime in /proc/<pid>/stat, as settle-cpu.ts does; wall time on a shared machine mostly
// measures the neighbours), each variant on a fresh database, less the record-only loop:
// - daily: usage_daily's upsert (every batch adds into the same row, as one account's do);
// - top: usage_top's filtered insert (random costs, so about 10·ln(n/10) rows are kept);
// - index: the alternative for the top 10, a partial index usage_records (account_id, cost_micros)
//   WHERE cost_micros > 0, which the record's insert maintains.
// Usage: bun scripts/usage-rollup-cost.ts [N, 20000] [repeats, 3]   (needs Postgres at INFERPORT_TEST_PG_URL)
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import postgres from 'postgres';
import { openDatabase } from '../src/db';
import { migrate } from '../src/db/migrate';

const BASE_URL = process.env.INFERPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const N = Number(process.argv[2] ?? 20_000);
const REPEATS = Number(process.argv[3] ?? 3);
const TICK_US = 1_000_000 / 100; // USER_HZ

const USAGE_ROW = `jsonb_build_array(jsonb_build_object('id', 'use_' || tag || '_' || i, 'request_id', 'r', 'key_id', 'k', 'account_id', 'acct_bench', 'billing', 'credits',
  'endpoint', 'chat.completions', 'model', 'm', 'upstream', 'u', 'status_code', 200, 'outcome', 'ok', 'prompt_tokens', 20, 'completion_tokens', 30,
  'usage_estimated', 0, 'cost_micros', 1 + (random() * 100000)::int, 'latency_ms', 2, 'created_at_ms', 1900000000000 + i, 'charge_status', 'posted',
  'reserved_micros', 500, 'draws', '[]', 'transaction_id', null))`;

const STATEMENTS: Record<string, string> = {
  usage_records_insert: `INSERT INTO usage_records SELECT * FROM jsonb_populate_recordset(NULL::usage_records, ${USAGE_ROW})`,
  usage_daily_upsert: `INSERT INTO usage_daily AS d SELECT * FROM jsonb_populate_recordset(NULL::usage_daily,
      jsonb_build_array(jsonb_build_object('account_id', 'acct_bench', 'day_index', 22000, 'model', 'm', 'upstream', 'u', 'requests', 1, 'prompt_tokens', 20, 'completion_tokens', 30, 'cost_micros', 37)))
    ON CONFLICT (account_id, day_index, model, upstream) DO UPDATE SET requests = d.requests + excluded.requests, prompt_tokens = d.prompt_tokens + excluded.prompt_tokens,
      completion_tokens = d.completion_tokens + excluded.completion_tokens, cost_micros = d.cost_micros + excluded.cost_micros`,
  usage_daily_update_first: `WITH c AS (SELECT * FROM jsonb_populate_recordset(NULL::usage_daily,
      jsonb_build_array(jsonb_build_object('account_id', 'acct_bench', 'day_index', 22000, 'model', 'm', 'upstream', 'u', 'requests', 1, 'prompt_tokens', 20, 'completion_tokens', 30, 'cost_micros', 37)))),
    updated AS (UPDATE usage_daily d SET requests = d.requests + c.requests, prompt_tokens = d.prompt_tokens + c.prompt_tokens,
      completion_tokens = d.completion_tokens + c.completion_tokens, cost_micros = d.cost_micros + c.cost_micros
      FROM c WHERE d.account_id = c.account_id AND d.day_index = c.day_index AND d.model = c.model AND d.upstream = c.upstream
      RETURNING d.account_id, d.day_index, d.model, d.upstream)
    INSERT INTO usage_daily AS d SELECT c.* FROM c WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE u.account_id = c.account_id AND u.day_index = c.day_index AND u.model = c.model AND u.upstream = c.upstream)
    ON CONFLICT (account_id, day_index, model, upstream) DO UPDATE SET requests = d.requests + excluded.requests, prompt_tokens = d.prompt_tokens + excluded.prompt_tokens,
      completion_tokens = d.completion_tokens + excluded.completion_tokens, cost_micros = d.cost_micros + excluded.cost_micros`,
  usage_daily_plain_update: `UPDATE usage_daily d SET requests = d.requests + 1, prompt_tokens = d.prompt_tokens + 20, completion_tokens = d.completion_tokens + 30, cost_micros = d.cost_micros + 37
    WHERE account_id = 'acct_bench' AND day_index = 22000 AND model = 'm' AND upstream = 'u'`,
  usage_top_insert: `INSERT INTO usage_top (account_id, day_index, cost_micros, record_id)
    SELECT c.account_id, c.day_index, c.cost_micros, c.record_id FROM jsonb_populate_recordset(NULL::usage_top,
      jsonb_build_array(jsonb_build_object('account_id', 'acct_bench', 'day_index', 22000, 'cost_micros', 1 + (random() * 100000)::int, 'record_id', 'use_' || tag || '_' || i))) AS c
    WHERE (SELECT count(*) FROM (SELECT 1 FROM usage_top t WHERE t.account_id = c.account_id AND t.day_index = c.day_index
      AND (t.cost_micros, t.record_id) > (c.cost_micros, c.record_id) LIMIT 10) AS beaten) < 10`,
};

function backendCpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

type Db = ReturnType<typeof openDatabase>['db'];

/** Backend CPU microseconds per one-request batch of `statements`, N of them, each committed. */
async function timeLoop(db: Db, statements: string[]): Promise<number> {
  const pid = Number((await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db)).rows[0]!.pid);
  const before = backendCpuUs(pid);
  const body = `DECLARE i int; tag text := 'x';
    BEGIN SET LOCAL synchronous_commit = off; FOR i IN 1..${N} LOOP ${statements.join('; ')}; COMMIT; SET LOCAL synchronous_commit = off; END LOOP; END`;
  await sql.raw(`DO $bench$ ${body} $bench$`).execute(db);
  return (backendCpuUs(pid) - before) / N;
}

const VARIANTS: Record<string, { statements: string[]; index?: boolean }> = {
  record_only: { statements: [STATEMENTS.usage_records_insert!] },
  daily: { statements: [STATEMENTS.usage_records_insert!, STATEMENTS.usage_daily_upsert!] },
  daily_update_first: { statements: [STATEMENTS.usage_records_insert!, STATEMENTS.usage_daily_update_first!] },
  daily_plain_update_floor: { statements: [STATEMENTS.usage_records_insert!, STATEMENTS.usage_daily_plain_update!] },
  top: { statements: [STATEMENTS.usage_records_insert!, STATEMENTS.usage_top_insert!] },
  index: { statements: [STATEMENTS.usage_records_insert!], index: true },
};

async function runVariant(name: string, round: number): Promise<{ us: number; kept: number }> {
  const database = `inferport_rollup_cost_${process.pid}_${name}_${round}`;
  const admin = postgres(BASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${database}`);
  const handle = openDatabase({ url: BASE_URL.replace(/\/[^/?]*(\?|$)/, `/${database}$1`), dataDir: '/tmp', poolSize: 1 });
  try {
    await migrate(handle);
    await sql`INSERT INTO accounts (id, name, created_at_ms, updated_at_ms) VALUES ('acct_bench', 'bench', 1, 1)`.execute(handle.db);
    // The rollup row exists, as it does after a day's first batch.
    await sql`INSERT INTO usage_daily VALUES ('acct_bench', 22000, 'm', 'u', 0, 0, 0, 0)`.execute(handle.db);
    if (VARIANTS[name]!.index) await sql`CREATE INDEX usage_records_cost_idx ON usage_records (account_id, cost_micros) WHERE cost_micros > 0`.execute(handle.db);
    const us = await timeLoop(handle.db, VARIANTS[name]!.statements);
    const kept = await sql<{ rows: string }>`SELECT count(*) AS rows FROM usage_top`.execute(handle.db);
    return { us, kept: Number(kept.rows[0]!.rows) };
  } finally {
    await handle.close();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}

const runs: Record<string, number[]> = Object.fromEntries(Object.keys(VARIANTS).map((name) => [name, []]));
let kept = 0;
for (let round = 0; round < REPEATS; round++) {
  for (const name of Object.keys(VARIANTS)) {
    const result = await runVariant(name, round);
    runs[name]!.push(result.us);
    if (name === 'top') kept = result.kept;
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const base = median(runs.record_only!);
const round1 = (value: number) => Math.round(value * 10) / 10;
console.log(JSON.stringify({
  batches: N,
  usage_top_rows_kept: kept,
  us_per_batch: Object.fromEntries(Object.entries(runs).map(([name, values]) => [name, { runs: values.map(round1), median: round1(median(values)), added: round1(median(values) - base) }])),
}));
