// From per-round numbers to what the benchmark reports: medians over rounds (peaks for memory
// and the longest gap) and error counts.
import type { Database, PerTarget, Proxy, Round, Target } from './rounds';
import type { SlowRun } from './slow-runs';
import { median, round } from './stats';

type Pick = (round: Round, target: Target) => number | null | undefined;
export type Medians = ReturnType<typeof computeMedians>;

export interface Shape {
  targets: Target[];
  databases: Database[];
  streamTargets: Proxy[];
}

export function computeMedians(rounds: Round[], shape: Shape) {
  const proxies = shape.targets.filter((t): t is Proxy => t !== 'direct');
  const over = <T extends Target>(targets: T[], value: (target: T) => number) =>
    Object.fromEntries(targets.map((target) => [target, value(target)])) as Partial<Record<T, number>>;
  /** Median over rounds of one number per target. */
  const each = (pick: Pick, targets: Target[] = shape.targets) => over(targets, (t) => round(median(rounds.map((r) => pick(r, t) ?? Number.NaN))));
  /** Median over rounds of a proxy's number minus the direct one in the same round. */
  const added = (pick: Pick) => over(proxies, (t) => round(median(rounds.map((r) => (pick(r, t) ?? Number.NaN) - (pick(r, 'direct') ?? Number.NaN)))));
  const coreBusy = (t: Target) => {
    const names = Object.keys(rounds[0]?.loaded[t]?.coreBusy ?? {});
    return Object.fromEntries(names.map((name) => [name, round(median(rounds.map((r) => r.loaded[t]?.coreBusy[name] ?? Number.NaN)))]));
  };
  const postgres: Target[] = shape.databases.includes('postgres') ? ['postgres'] : [];
  const rate = (r: Round, t: Target) => r.loaded[t]?.requestsPerSecond ?? Number.NaN;
  return {
    c1: {
      p50_ms: each((r, t) => r.c1[t]?.latencyMs.p50),
      p99_ms: each((r, t) => r.c1[t]?.latencyMs.p99),
      added_p50_ms: added((r, t) => r.c1[t]?.latencyMs.p50),
      added_p99_ms: added((r, t) => r.c1[t]?.latencyMs.p99),
      requests_per_second: each((r, t) => r.c1[t]?.requestsPerSecond),
      cpu_us_per_request: each((r, t) => r.c1[t]?.cpuUsPerRequest),
      postgres_cpu_us_per_request: each((r, t) => r.c1[t]?.postgresCpuUsPerRequest, postgres),
    },
    loaded: {
      requests_per_second: each((r, t) => r.loaded[t]?.requestsPerSecond),
      throughput_vs_bare: over(shape.databases, (db) => round(median(rounds.map((r) => rate(r, db) / rate(r, 'bare'))))),
      p50_ms: each((r, t) => r.loaded[t]?.latencyMs.p50),
      p99_ms: each((r, t) => r.loaded[t]?.latencyMs.p99),
      // The peak over all rounds, not a median: the limit is on the worst moment.
      rss_peak_mb: over(shape.targets, (t) => peak(rounds.map((r) => r.loaded[t]?.rssPeakMb))),
      cpu_us_per_request: each((r, t) => r.loaded[t]?.cpuUsPerRequest),
      system_cpu_us_per_request: each((r, t) => r.loaded[t]?.systemCpuUsPerRequest),
      cpu_cores: each((r, t) => r.loaded[t]?.cpuCores),
      postgres_cpu_us_per_request: each((r, t) => r.loaded[t]?.postgresCpuUsPerRequest, postgres),
      postgres_background_cpu_us_per_request: each((r, t) => r.loaded[t]?.postgresBackgroundCpuUsPerRequest, postgres),
      core_busy: Object.fromEntries(shape.targets.map((t) => [t, coreBusy(t)])) as PerTarget<Record<string, number>>,
    },
    sse: {
      ttfb_p50_ms: each((r, t) => r.sse[t]?.ttfbMs.p50),
      ttfb_p99_ms: each((r, t) => r.sse[t]?.ttfbMs.p99),
      added_ttfb_p50_ms: added((r, t) => r.sse[t]?.ttfbMs.p50),
      stream_p50_ms: each((r, t) => r.sse[t]?.totalMs.p50),
    },
    slow: slowMedians(rounds, shape.streamTargets),
  };
}

/** The slow-stream load: medians over rounds, but the worst over rounds for the longest gap and RSS. */
function slowMedians(rounds: Round[], targets: Proxy[]) {
  const over = (value: (runs: SlowRun[], target: Proxy) => number, only: Proxy[] = targets) =>
    Object.fromEntries(only.map((t) => [t, value(rounds.map((r) => r.slow[t]).filter((run) => run !== undefined), t)])) as Partial<Record<Proxy, number>>;
  const mid = (pick: (run: SlowRun) => number | null, only: Proxy[] = targets) =>
    over((runs) => round(median(runs.map((run) => pick(run) ?? Number.NaN))), only);
  const databases = targets.filter((t) => t !== 'bare');
  return {
    ok: over((runs) => runs.reduce((sum, run) => sum + run.ok, 0)),
    failed: over((runs) => runs.reduce((sum, run) => sum + run.failed, 0)),
    max_open_at_once: over((runs) => Math.min(...runs.map((run) => run.maxOpenAtOnce))),
    ttfb_p50_ms: mid((run) => run.ttfbMs.p50),
    gap_p50_ms: mid((run) => run.gapMs.p50),
    gap_p99_ms: mid((run) => run.gapMs.p99),
    added_gap_p99_ms: Object.fromEntries(
      databases.map((db) => [db, round(median(rounds.map((r) => (r.slow[db]?.gapMs.p99 ?? Number.NaN) - (r.slow.bare?.gapMs.p99 ?? Number.NaN))))]),
    ) as Partial<Record<Database, number>>,
    gap_max_ms: over((runs) => peak(runs.map((run) => run.gapMs.max))),
    stream_max_gap_p50_ms: mid((run) => run.streamMaxGapMs.p50),
    cpu_us_per_chunk: mid((run) => run.cpuUsPerChunk),
    rss_peak_mb: over((runs) => peak(runs.map((run) => run.rssPeakMb))),
    postgres_cpu_us_per_stream: mid((run) => run.postgresCpuUsPerStream, databases.filter((t) => t === 'postgres')),
  };
}

/** The largest finite value; NaN when there is none. */
function peak(values: (number | null | undefined)[]): number {
  const finite = values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  return finite.length > 0 ? Math.max(...finite) : Number.NaN;
}

/** Errors over all measured rounds, per target. */
export function countErrors(rounds: Round[], targets: Target[]) {
  const total = (pick: Pick) => Object.fromEntries(targets.map((t) => [t, rounds.reduce((sum, r) => sum + (pick(r, t) ?? 0), 0)])) as PerTarget<number>;
  const socket = (e: { connect: number; read: number; write: number; timeout: number }) => e.connect + e.read + e.write + e.timeout;
  return {
    non_2xx: total((r, t) => (r.c1[t]?.non2xx ?? 0) + (r.loaded[t]?.non2xx ?? 0)),
    socket_errors: total((r, t) => (r.c1[t] ? socket(r.c1[t].errors) : 0) + (r.loaded[t] ? socket(r.loaded[t].errors) : 0)),
    sse_failed: total((r, t) => r.sse[t]?.failed),
    slow_streams_failed: total((r, t) => (t === 'direct' ? 0 : r.slow[t]?.failed)),
  };
}
