// Turns one run's raw reports into the benchmark's tables (stdout) and its JSON record.
// Usage: bun report.ts WORK_DIR OUT.json   (settings in BENCH_* variables, set by scripts/bench)
// Exits 1 when the slow-stream load was not what it claims (not every stream through the bare
// proxy open at once).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { machineInfo } from './machine';
import { planHeader, planRows } from './plan-rows';
import { redisUse } from './redis-use';
import { coreBusy, readRounds, type Database, type Gateway, type PlanTarget, type Proxy, type Target } from './rounds';
import { databaseHeader, databaseRows, percent, streamHeader, streamRows } from './rows';
import { snakeCaseKeys } from './stats';
import { computeMedians, countErrors } from './summary';
import { formatTable } from './table';
import { checkPlanTargets, checkTargets, type TargetCheck } from './targets';

const [workDir, outPath] = process.argv.slice(2);
if (!workDir || !outPath) throw new Error('usage: bun report.ts WORK_DIR OUT.json');
const setting = (name: string) => Number(process.env[name] ?? Number.NaN);
const words = (name: string) => (process.env[name] ?? '').split(/\s+/).filter(Boolean);
const databases = words('BENCH_DATABASES') as Database[];
const planTargets = words('BENCH_PLAN_TARGETS') as PlanTarget[];
const streamTargets = words('BENCH_STREAM_TARGETS') as Proxy[];
const targets: Target[] = ['direct', 'bare', ...databases, ...planTargets];
const gateways: Gateway[] = [...databases, ...planTargets];
const settings = {
  seconds: setting('BENCH_SECONDS'),
  rounds: setting('BENCH_ROUNDS'),
  warmup_seconds: setting('BENCH_WARMUP_SECONDS'),
  connections: setting('BENCH_CONNECTIONS'),
  databases,
  plan_targets: planTargets,
  redis_key_prefix: process.env.BENCH_REDIS_PREFIX || null,
  sse_requests_per_target_per_round: setting('BENCH_TTFB_PER_ROUND'),
  sse_chunks: 64,
  slow_streams: streamTargets.length > 0 ? { streams: setting('BENCH_STREAMS'), chunks: setting('BENCH_STREAM_CHUNKS'), delay_ms: setting('BENCH_STREAM_DELAY_MS'), targets: streamTargets } : null,
  profile: process.env.BENCH_PROFILE === '1',
  pinning: process.env.BENCH_PROXY_CPUS ? { proxy_cpus: process.env.BENCH_PROXY_CPUS, load_cpus: process.env.BENCH_LOAD_CPUS } : null,
  bun_config_max_http_requests: setting('BUN_CONFIG_MAX_HTTP_REQUESTS'),
  wrk: process.env.BENCH_WRK_VERSION ?? null,
};
const readJson = (name: string) => JSON.parse(readFileSync(join(workDir, name), 'utf8'));

const shape = { targets, databases, streamTargets };
const rounds = readRounds(workDir, { ...shape, rounds: settings.rounds, connections: settings.connections, clockTicksPerSecond: setting('BENCH_CLK_TCK') });
const medians = computeMedians(rounds, shape);
const checks = Object.fromEntries([
  ...databases.map((db) => [db, checkTargets(medians, db, settings.connections)]),
  ...planTargets.map((target) => [target, checkPlanTargets(medians, target, settings.connections)]),
]) as Record<Gateway, TargetCheck[]>;
const errors = {
  ...countErrors(rounds, targets),
  inferport_log_error_lines: Object.fromEntries(databases.map((db) => [db, setting(`BENCH_ERROR_LINES_${db.toUpperCase()}`)])),
};
const ledger = Object.fromEntries(databases.map((db) => [db, readJson(`ledger-${db}.json`)])) as Record<Database, { ok: boolean; summary: string }>;
const quiet = readJson('background.json') as { cores_before: string; cores_after: string; redis_before: string; redis_after: string };
// Load on the cores while every server of the benchmark idled: someone else's, blurring the numbers.
const backgroundBusy = coreBusy(quiet.cores_before, quiet.cores_after);
// The same for Redis: commands it ran for others while idle, and while inferport on Postgres idled.
const redisQuiet = redisUse(quiet.redis_before, quiet.redis_after, 2, 0);
const redisBackground = {
  idle_commands_per_second: redisQuiet ? redisQuiet.commandsTotal / 2 : null,
  idle_other_clients: redisQuiet ? redisQuiet.otherClients : null,
  other_loads_commands_per_second: planTargets.length > 0 ? medians.redis_background_commands_per_second : null,
};
const machine = { ...machineInfo(), background_core_busy: backgroundBusy, redis_background: redisBackground };
// Whether every stream was open at one moment in every round, per target. Through the bare proxy
// this proves the load is what it claims (no fetch limit queued it); through inferport, a miss
// means its slowest streams opened only after the first had ended (see the TTFB).
const allOpenAtOnce = Object.fromEntries(streamTargets.map((t) => [t, rounds.every((r) => r.slow[t]?.maxOpenAtOnce === r.slow[t]?.streams)]));
const allOpen = allOpenAtOnce.bare !== false;

const pinning = settings.pinning ? `proxy on cpu ${settings.pinning.proxy_cpus}, upstream + load on cpu ${settings.pinning.load_cpus}` : 'not pinned';
const tree = `${machine.git_commit.slice(0, 10)}${machine.git_src_dirty ? ' + uncommitted src changes' : ''}`;
const lines = ['', `inferport benchmark, ${settings.rounds} rounds × ${settings.seconds} s (medians), ${machine.nproc} cores (${pinning}), bun ${machine.bun}, ${tree}`];
if (Math.max(...Object.values(backgroundBusy)) > 0.1) {
  lines.push(`WARNING: the machine was not quiet: with the benchmark idle, cores were ${percent(backgroundBusy)} % busy (other processes); numbers are blurred.`);
}
for (const db of databases) {
  lines.push('', formatTable(databaseHeader(db), databaseRows(medians, db, checks[db], errors, settings.connections), 3));
}
for (const target of planTargets) {
  lines.push('', `postgres, plan-billed (Redis): the same inferport through a plan-billed key, its quotas in Redis (keys under ${settings.redis_key_prefix})`);
  lines.push(formatTable(planHeader(), planRows(medians, target, checks[target], errors, settings.connections), 4));
  const { idle_commands_per_second: idle, other_loads_commands_per_second: others } = redisBackground;
  const shared = (medians.redis_shared_loads.postgres ?? 0) + (medians.redis_shared_loads[target] ?? 0);
  if ((idle ?? 0) > 0 || (others ?? 0) > 0 || shared > 0) {
    lines.push(
      `WARNING: Redis was not quiet: other clients ran ${idle ?? 'n/a'} commands/s with the benchmark idle and ${others ?? 'n/a'}/s during the loads ` +
        `of the targets that do not use it, and used it during ${shared} loads of the two above. The plan-billed Redis numbers leave those loads out ` +
        "(n/a when none is left); the credit-billed ones and Redis's CPU may include others' work. BENCH_REDIS_URL can name a Redis of the run's own.",
    );
  }
}
if (settings.slow_streams) {
  const { streams, chunks, delay_ms } = settings.slow_streams;
  lines.push('', `slow streams: ${streams} at once, ${chunks} chunks ${delay_ms} ms apart, per round`);
  lines.push(formatTable(streamHeader(databases), streamRows(medians, databases, checks), 1 + databases.length));
  if (!allOpen) lines.push(`WARNING: not all ${streams} streams through the bare proxy were open at once in every round (Bun's fetch limit?): the load is not what it claims.`);
  for (const db of databases.filter((t) => allOpenAtOnce[t] === false)) {
    lines.push(`note: through inferport on ${db} not all ${streams} streams were open at once: the last opened after the first had ended.`);
  }
}
lines.push('');
for (const target of gateways) {
  const name = target === 'postgres_plan' ? 'postgres, plan-billed' : target;
  lines.push(`targets met on ${name}: ${checks[target].filter((entry) => entry.pass).length}/${checks[target].length}`);
}
for (const db of databases) lines.push(ledger[db].summary);
console.log(`${lines.join('\n')}\n`);

const record = {
  schema: 2,
  date: new Date().toISOString(),
  started_at: process.env.BENCH_STARTED_AT ?? null,
  measure_seconds: setting('BENCH_MEASURE_SECONDS'),
  machine,
  settings,
  targets: checks,
  medians,
  errors,
  ledger,
  slow_streams_all_open_at_once: settings.slow_streams ? allOpenAtOnce : null,
  rounds: snakeCaseKeys(rounds),
  notes:
    'Latencies in ms; added = through the proxy minus direct to the upstream in the same round, median over rounds. ' +
    'RSS in MB of 10^6 bytes: the peak of 100 ms samples over all loaded rounds. Gateway CPU: user + system time of the ' +
    "process (all threads, and any children) over the phase, divided by the requests it completed; for inferport counted until " +
    "the load's abandoned requests settled. Postgres CPU: the same for the Postgres backends serving the benchmark database " +
    '(the target), and separately for the cluster-wide background processes (WAL writer, checkpointer, autovacuum). ' +
    'Slow streams: added p99 gap = inferport minus the bare proxy in the same round, median over rounds; the longest gap and ' +
    'RSS are the worst over rounds; a gap is the time between two chunks reaching the client (0 for chunks arriving together). ' +
    'postgres_plan: the Postgres inferport through a plan-billed key (plan "bench", limits too large to refuse), its quotas in ' +
    'Redis. Redis counts: INFO commandstats and cpu before and after each load (until it settled), divided by the requests ' +
    "completed; commands include those Lua scripts run; admissions = ZCARD calls (admit.lua's, one per request here), " +
    "finishes = ZREM calls (finish.lua's). They are the whole server's: machine.redis_background says what others ran meanwhile.",
};
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(`${outPath}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
renameSync(`${outPath}.tmp`, outPath);
console.log(`written to ${outPath}`);
process.exit(allOpen ? 0 : 1);
