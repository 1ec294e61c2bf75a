// From per-round numbers to what the benchmark reports: medians over rounds (peaks for memory
// and the longest gap) and error counts.
import type { RedisRates } from './redis-use';
import { isGateway, onPostgres, type Database, type LoadedRun, type PerTarget, type Proxy, type Round, type Target } from './rounds';
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
  const postgres = shape.targets.filter(onPostgres);
  const gateways = shape.targets.filter(isGateway);
  const rate = (r: Round, t: Target) => r.loaded[t]?.requestsPerSecond ?? Number.NaN;
  /**
   * Median over rounds of one Redis rate per request of the targets on Postgres. The plan
   * target's leave out the loads during which others used Redis too (theirs would be counted as
   * its own); the credit target's keep them all, since any command at all counts against its 0.
   */
  const redis = (phase: (r: Round) => PerTarget<LoadedRun>, name: keyof RedisRates) =>
    each((r, t) => {
      const use = phase(r)[t]?.redis;
      return use && (t !== 'postgres_plan' || use.otherClients === 0) ? use.rates?.[name] : Number.NaN;
    }, postgres);
  return {
    c1: {
      p50_ms: each((r, t) => r.c1[t]?.latencyMs.p50),
      p99_ms: each((r, t) => r.c1[t]?.latencyMs.p99),
      added_p50_ms: added((r, t) => r.c1[t]?.latencyMs.p50),
      added_p99_ms: added((r, t) => r.c1[t]?.latencyMs.p99),
      requests_per_second: each((r, t) => r.c1[t]?.requestsPerSecond),
      cpu_us_per_request: each((r, t) => r.c1[t]?.cpuUsPerRequest),
      postgres_cpu_us_per_request: each((r, t) => r.c1[t]?.postgresCpuUsPerRequest, postgres),
      redis_admissions_per_request: redis((r) => r.c1, 'admissionsPerRequest'),
      redis_cpu_us_per_request: redis((r) => r.c1, 'cpuUsPerRequest'),
    },
    loaded: {
      requests_per_second: each((r, t) => r.loaded[t]?.requestsPerSecond),
      throughput_vs_bare: over(gateways, (t) => round(median(rounds.map((r) => rate(r, t) / rate(r, 'bare'))))),
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
      redis_commands_per_request: redis((r) => r.loaded, 'commandsPerRequest'),
      redis_scripts_per_request: redis((r) => r.loaded, 'scriptsPerRequest'),
      redis_admissions_per_request: redis((r) => r.loaded, 'admissionsPerRequest'),
      redis_finishes_per_request: redis((r) => r.loaded, 'finishesPerRequest'),
      redis_cpu_us_per_request: redis((r) => r.loaded, 'cpuUsPerRequest'),
    },
    sse: {
      ttfb_p50_ms: each((r, t) => r.sse[t]?.ttfbMs.p50),
      ttfb_p99_ms: each((r, t) => r.sse[t]?.ttfbMs.p99),
      added_ttfb_p50_ms: added((r, t) => r.sse[t]?.ttfbMs.p50),
      stream_p50_ms: each((r, t) => r.sse[t]?.totalMs.p50),
    },
    slow: slowMedians(rounds, shape.streamTargets),
    redis_background_commands_per_second: redisBackground(rounds, shape.targets),
    /** Per target on Postgres: how many of its loads (c=1 and loaded, all rounds) others used Redis during. */
    redis_shared_loads: over(postgres, (t) => rounds.flatMap((r) => [r.c1[t]?.redis, r.loaded[t]?.redis]).filter((use) => use && use.otherClients > 0).length),
    redis_loads: over(postgres, (t) => rounds.flatMap((r) => [r.c1[t]?.redis, r.loaded[t]?.redis]).filter((use) => use != null).length),
  };
}

/**
 * Commands per second that Redis ran for others while inferport on Postgres idled (the loads
 * through every other target, c=1 and loaded), median over rounds; NaN without Redis. Anything
 * above 0 is in the plan target's counts too.
 */
function redisBackground(rounds: Round[], targets: Target[]): number {
  const idle = targets.filter((t) => !onPostgres(t));
  return round(
    median(
      rounds.map((r) => {
        const uses = idle.flatMap((t) => [r.c1[t]?.redis, r.loaded[t]?.redis]).filter((use) => use != null);
        const seconds = uses.reduce((sum, use) => sum + use.seconds, 0);
        return uses.length > 0 ? uses.reduce((sum, use) => sum + use.commandsTotal, 0) / seconds : Number.NaN;
      }),
    ),
  );
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
    ) as Partial<Record<Proxy, number>>,
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
