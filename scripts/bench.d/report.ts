// Turns one run's raw reports into the benchmark's tables (stdout) and its JSON record.
// Usage: bun report.ts WORK_DIR OUT.json   (settings in BENCH_* variables, set by scripts/bench)
// Exits 1 when the slow-stream load was not what it claims (not every stream through the bare
// proxy open at once).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { machineInfo } from './machine';
import { coreBusy, readRounds, type Database, type Proxy, type Target } from './rounds';
import { databaseHeader, databaseRows, percent, streamHeader, streamRows } from './rows';
import { snakeCaseKeys } from './stats';
import { computeMedians, countErrors } from './summary';
import { formatTable } from './table';
import { checkTargets, type TargetCheck } from './targets';

const [workDir, outPath] = process.argv.slice(2);
if (!workDir || !outPath) throw new Error('usage: bun report.ts WORK_DIR OUT.json');
const setting = (name: string) => Number(process.env[name] ?? Number.NaN);
const words = (name: string) => (process.env[name] ?? '').split(/\s+/).filter(Boolean);
const databases = words('BENCH_DATABASES') as Database[];
const streamTargets = words('BENCH_STREAM_TARGETS') as Proxy[];
const targets: Target[] = ['direct', 'bare', ...databases];
const settings = {
  seconds: setting('BENCH_SECONDS'),
  rounds: setting('BENCH_ROUNDS'),
  warmup_seconds: setting('BENCH_WARMUP_SECONDS'),
  connections: setting('BENCH_CONNECTIONS'),
  databases,
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
const checks = Object.fromEntries(databases.map((db) => [db, checkTargets(medians, db, settings.connections)])) as Record<Database, TargetCheck[]>;
const errors = {
  ...countErrors(rounds, targets),
  inferport_log_error_lines: Object.fromEntries(databases.map((db) => [db, setting(`BENCH_ERROR_LINES_${db.toUpperCase()}`)])),
};
const ledger = Object.fromEntries(databases.map((db) => [db, readJson(`ledger-${db}.json`)])) as Record<Database, { ok: boolean; summary: string }>;
const quiet = readJson('background.json') as { cores_before: string; cores_after: string };
// Load on the cores while every server of the benchmark idled: someone else's, blurring the numbers.
const backgroundBusy = coreBusy(quiet.cores_before, quiet.cores_after);
const machine = { ...machineInfo(), background_core_busy: backgroundBusy };
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
for (const db of databases) {
  lines.push(`targets met on ${db}: ${checks[db].filter((entry) => entry.pass).length}/${checks[db].length}`);
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
    'RSS are the worst over rounds; a gap is the time between two chunks reaching the client (0 for chunks arriving together).',
};
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(`${outPath}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
renameSync(`${outPath}.tmp`, outPath);
console.log(`written to ${outPath}`);
process.exit(allOpen ? 0 : 1);
