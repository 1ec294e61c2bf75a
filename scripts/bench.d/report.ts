// Turns one run's raw reports into the benchmark's table (stdout) and its JSON record.
// Usage: bun report.ts WORK_DIR OUT.json   (settings in BENCH_* variables, set by scripts/bench)
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { machineInfo } from './machine';
import { coreBusy, readRounds } from './rounds';
import { percent, tableRows } from './rows';
import { snakeCaseKeys } from './stats';
import { checkTargets, computeMedians, countErrors } from './summary';
import { formatTable } from './table';

const [workDir, outPath] = process.argv.slice(2);
if (!workDir || !outPath) throw new Error('usage: bun report.ts WORK_DIR OUT.json');
const setting = (name: string) => Number(process.env[name] ?? Number.NaN);
const settings = {
  seconds: setting('BENCH_SECONDS'),
  rounds: setting('BENCH_ROUNDS'),
  warmup_seconds: setting('BENCH_WARMUP_SECONDS'),
  connections: setting('BENCH_CONNECTIONS'),
  sse_requests_per_target_per_round: setting('BENCH_TTFB_PER_ROUND'),
  sse_chunks: 64,
  profile: process.env.BENCH_PROFILE === '1',
  pinning: process.env.BENCH_PROXY_CPUS ? { proxy_cpus: process.env.BENCH_PROXY_CPUS, load_cpus: process.env.BENCH_LOAD_CPUS } : null,
  wrk: process.env.BENCH_WRK_VERSION ?? null,
};
const readJson = (name: string) => JSON.parse(readFileSync(join(workDir, name), 'utf8'));

const rounds = readRounds(workDir, settings.rounds, settings.connections, setting('BENCH_CLK_TCK'));
const medians = computeMedians(rounds);
const targets = checkTargets(medians, settings.connections);
const errors = { ...countErrors(rounds), inferport_log_error_lines: setting('BENCH_INFERPORT_ERROR_LINES') };
const ledger = readJson('ledger.json') as { ok: boolean; summary: string };
const quiet = readJson('background.json') as { cores_before: string; cores_after: string };
// Load on the cores while every server of the benchmark idled: someone else's, blurring the numbers.
const backgroundBusy = coreBusy(quiet.cores_before, quiet.cores_after);
const machine = { ...machineInfo(), background_core_busy: backgroundBusy };

const pinning = settings.pinning ? `proxy on cpu ${settings.pinning.proxy_cpus}, upstream + wrk on cpu ${settings.pinning.load_cpus}` : 'not pinned';
const tree = `${machine.git_commit.slice(0, 10)}${machine.git_src_dirty ? ' + uncommitted src changes' : ''}`;
const lines = [
  '',
  `inferport benchmark, ${settings.rounds} rounds × ${settings.seconds} s (medians), ${machine.nproc} cores (${pinning}), bun ${machine.bun}, ${tree}`,
];
if (Math.max(...Object.values(backgroundBusy)) > 0.1) {
  lines.push(`WARNING: the machine was not quiet: with the benchmark idle, cores were ${percent(backgroundBusy)} % busy (other processes); numbers are blurred.`);
}
lines.push(formatTable(tableRows(medians, targets, errors, settings.connections)));
lines.push(`targets met: ${targets.filter((entry) => entry.pass).length}/${targets.length}`, ledger.summary, '');
console.log(lines.join('\n'));

const record = {
  schema: 1,
  date: new Date().toISOString(),
  started_at: process.env.BENCH_STARTED_AT ?? null,
  measure_seconds: setting('BENCH_MEASURE_SECONDS'),
  machine,
  settings,
  targets,
  medians,
  errors,
  ledger,
  rounds: snakeCaseKeys(rounds),
  notes:
    'Latencies in ms; added = through the proxy minus direct to the upstream in the same round, median over rounds. ' +
    'RSS in MB of 10^6 bytes: the peak of 100 ms samples over all loaded rounds. CPU per request: user + system time of the ' +
    "process (all threads) over the run, divided by the requests it completed; for inferport counted until wrk's abandoned requests settled.",
};
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(`${outPath}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
renameSync(`${outPath}.tmp`, outPath);
console.log(`written to ${outPath}`);
