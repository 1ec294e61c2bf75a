// What the cost console's rollups (issue 12) add to a settlement batch on PostgreSQL, statement by
// statement: N one-request payloads applied in a plpgsql loop (plans cached, as in
// inferport_apply_charges), each committed (as each batch is; synchronous_commit off, so no
// fsync). Priced as the backend's CPU time (utime + stime in /proc/<pid>/stat, as
// settle-cpu.ts does; wall time on a shared machine mostly measures the neighbours) less the
// same loop committing nothing, so round trips and commits are left out. Compares usage_daily's upsert, usage_top's filtered insert (random costs,
// so about 10·ln(n/10) rows are kept) and the alternative for the top 10: a partial index
// usage_records (account_id, cost_micros) WHERE cost_micros > 0, priced as the extra cost of the
// usage_records insert with that index present.
// Usage: bun scripts/usage-rollup-cost.ts [N, 20000] [repeats, 3]   (needs Postgres at INFERPORT_TEST_PG_URL)
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import postgres from 'postgres';
import { openDatabase } from '../src/db';
import { migrate } from '../src/db/migrate';

const BASE_URL = process.env.INFERPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const N = Number(process.argv[2] ?? 20_000);
const REPEATS = Number(process.argv[3] ?? 3);

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
  usage_top_insert: `INSERT INTO usage_top (account_id, day_index, cost_micros, record_id)
    SELECT c.account_id, c.day_index, c.cost_micros, c.record_id FROM jsonb_populate_recordset(NULL::usage_top,
      jsonb_build_array(jsonb_build_object('account_id', 'acct_bench', 'day_index', 22000, 'cost_micros', 1 + (random() * 100000)::int, 'record_id', 'use_' || tag || '_' || i))) AS c
    WHERE (SELECT count(*) FROM (SELECT 1 FROM usage_top t WHERE t.account_id = c.account_id AND t.day_index = c.day_index
      AND (t.cost_micros, t.record_id) > (c.cost_micros, c.record_id) LIMIT 10) AS beaten) < 10`,
};

const TICK_US = 1_000_000 / 100; // USER_HZ

function backendCpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

/** Backend CPU microseconds per execution of `statement` and its commit, N times in one plpgsql loop. */
async function timeLoop(db: ReturnType<typeof openDatabase>['db'], tag: string, statement: string): Promise<number> {
  const pid = Number((await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db)).rows[0]!.pid);
  const before = backendCpuUs(pid);
  const body = `DECLARE i int; tag text := '${tag}';
    BEGIN SET LOCAL synchronous_commit = off; FOR i IN 1..${N} LOOP ${statement}; COMMIT; SET LOCAL synchronous_commit = off; END LOOP;
    END`;
  await sql.raw(`DO $bench$ ${body} $bench$`).execute(db);
  return (backendCpuUs(pid) - before) / N;
}

const results: Record<string, number[]> = { commit_only: [], usage_daily_upsert: [], usage_top_insert: [], usage_records_insert: [], usage_records_insert_with_cost_index: [] };
for (let round = 0; round < REPEATS; round++) {
  const name = `inferport_rollup_cost_${process.pid}_${round}`;
  const admin = postgres(BASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const handle = openDatabase({ url: BASE_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`), dataDir: '/tmp', poolSize: 1 });
  try {
    await migrate(handle);
    await sql`INSERT INTO accounts (id, name, created_at_ms, updated_at_ms) VALUES ('acct_bench', 'bench', 1, 1)`.execute(handle.db);
    const baseline = await timeLoop(handle.db, `c${round}`, 'PERFORM i');
    results.commit_only!.push(baseline);
    results.usage_daily_upsert!.push((await timeLoop(handle.db, `d${round}`, STATEMENTS.usage_daily_upsert!)) - baseline);
    results.usage_top_insert!.push((await timeLoop(handle.db, `t${round}`, STATEMENTS.usage_top_insert!)) - baseline);
    results.usage_records_insert!.push((await timeLoop(handle.db, `a${round}`, STATEMENTS.usage_records_insert!)) - baseline);
    await sql`CREATE INDEX usage_records_cost_idx ON usage_records (account_id, cost_micros) WHERE cost_micros > 0`.execute(handle.db);
    results.usage_records_insert_with_cost_index!.push((await timeLoop(handle.db, `b${round}`, STATEMENTS.usage_records_insert!)) - baseline);
    const kept = await sql<{ rows: string }>`SELECT count(*) AS rows FROM usage_top`.execute(handle.db);
    console.log(JSON.stringify({ round, usage_top_rows_kept_of: N, kept: Number(kept.rows[0]!.rows) }));
  } finally {
    await handle.close();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(JSON.stringify(Object.fromEntries(Object.entries(results).map(([key, values]) => [key, { runs_us: values.map((v) => Math.round(v * 10) / 10), median_us: Math.round(median(values) * 10) / 10 }]))));
