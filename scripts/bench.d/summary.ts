// From per-round numbers to what the benchmark reports: medians over rounds, the issue's
// targets with pass or fail, and error counts.
import { TARGETS, type Round, type Target } from './rounds';
import { median, round } from './stats';
import type { TargetCheck } from './table';

type Pick = (round: Round, target: Target) => number | null | undefined;
export type Medians = ReturnType<typeof computeMedians>;

export function computeMedians(rounds: Round[]) {
  /** Median over rounds of one number per target. */
  const each = (pick: Pick) => perTarget((t) => round(median(rounds.map((r) => pick(r, t) ?? Number.NaN))));
  /** Median over rounds of a proxy's number minus the direct one in the same round. */
  const added = (pick: Pick) => {
    const minusDirect = (t: Target) => round(median(rounds.map((r) => (pick(r, t) ?? Number.NaN) - (pick(r, 'direct') ?? Number.NaN))));
    return { bare: minusDirect('bare'), inferport: minusDirect('inferport') };
  };
  const coreBusy = (t: Target) => {
    const names = Object.keys(rounds[0]?.loaded[t].coreBusy ?? {});
    return Object.fromEntries(names.map((name) => [name, round(median(rounds.map((r) => r.loaded[t].coreBusy[name] ?? Number.NaN)))]));
  };
  return {
    c1: {
      p50_ms: each((r, t) => r.c1[t].latencyMs.p50),
      p99_ms: each((r, t) => r.c1[t].latencyMs.p99),
      added_p50_ms: added((r, t) => r.c1[t].latencyMs.p50),
      added_p99_ms: added((r, t) => r.c1[t].latencyMs.p99),
      requests_per_second: each((r, t) => r.c1[t].requestsPerSecond),
      cpu_us_per_request: each((r, t) => r.c1[t].cpuUsPerRequest),
      postgres_cpu_us_per_request: each((r, t) => r.c1[t].postgresCpuUsPerRequest),
    },
    loaded: {
      requests_per_second: each((r, t) => r.loaded[t].requestsPerSecond),
      throughput_vs_bare: round(median(rounds.map((r) => r.loaded.inferport.requestsPerSecond / r.loaded.bare.requestsPerSecond))),
      p50_ms: each((r, t) => r.loaded[t].latencyMs.p50),
      p99_ms: each((r, t) => r.loaded[t].latencyMs.p99),
      // The peak over all rounds, not a median: the limit is on the worst moment.
      rss_peak_mb: perTarget((t) => Math.max(...rounds.map((r) => r.loaded[t].rssPeakMb ?? Number.NaN))),
      cpu_us_per_request: each((r, t) => r.loaded[t].cpuUsPerRequest),
      system_cpu_us_per_request: each((r, t) => r.loaded[t].systemCpuUsPerRequest),
      cpu_cores: each((r, t) => r.loaded[t].cpuCores),
      postgres_cpu_us_per_request: each((r, t) => r.loaded[t].postgresCpuUsPerRequest),
      core_busy: { direct: coreBusy('direct'), bare: coreBusy('bare'), inferport: coreBusy('inferport') },
    },
    sse: {
      ttfb_p50_ms: each((r, t) => r.sse[t]?.ttfbMs.p50),
      ttfb_p99_ms: each((r, t) => r.sse[t]?.ttfbMs.p99),
      added_ttfb_p50_ms: added((r, t) => r.sse[t]?.ttfbMs.p50),
      stream_p50_ms: each((r, t) => r.sse[t]?.totalMs.p50),
    },
  };
}

/** The targets, in the order of the table. */
export function checkTargets(medians: Medians, connections: number): TargetCheck[] {
  return [
    check('c=1 added latency p50, full billing', medians.c1.added_p50_ms.inferport, '≤ 0.5 ms', (v) => v <= 0.5),
    check('c=1 added latency p99, full billing', medians.c1.added_p99_ms.inferport, '≤ 1.5 ms', (v) => v <= 1.5),
    check(`c=${connections} throughput ÷ bare proxy, full billing`, medians.loaded.throughput_vs_bare, '≥ 0.6', (v) => v >= 0.6),
    check('SSE added time to first byte p50', medians.sse.added_ttfb_p50_ms.inferport, '≤ 1 ms', (v) => v <= 1),
    check(`peak RSS under c=${connections}`, medians.loaded.rss_peak_mb.inferport, '≤ 200 MB', (v) => v <= 200),
  ];
}

/** Errors over all measured rounds, per target. */
export function countErrors(rounds: Round[]) {
  const total = (pick: Pick) => perTarget((t) => rounds.reduce((sum, r) => sum + (pick(r, t) ?? 0), 0));
  const socket = (e: { connect: number; read: number; write: number; timeout: number }) => e.connect + e.read + e.write + e.timeout;
  return {
    non_2xx: total((r, t) => r.c1[t].non2xx + r.loaded[t].non2xx),
    socket_errors: total((r, t) => socket(r.c1[t].errors) + socket(r.loaded[t].errors)),
    sse_failed: total((r, t) => r.sse[t]?.failed),
  };
}

function perTarget(value: (target: Target) => number): Record<Target, number> {
  return Object.fromEntries(TARGETS.map((target) => [target, value(target)])) as Record<Target, number>;
}

function check(metric: string, value: number, target: string, passes: (value: number) => boolean): TargetCheck {
  return { metric, value, target, pass: Number.isFinite(value) && passes(value) };
}
