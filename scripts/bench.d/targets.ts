// Issue 9's targets, checked for each database on the medians of one run, and for the
// plan-billed target with issue 10's on top. A target relative to the bare proxy is resolved
// against the bare proxy's number in the same run.
import { onPostgres, type Gateway, type PlanTarget } from './rounds';
import { round } from './stats';
import type { Medians } from './summary';

export interface TargetCheck {
  /** Stable name, for the table and for readers of the JSON record. */
  id: string;
  metric: string;
  value: number;
  target: string;
  /** The bound the value was held against, after resolving "× the bare proxy's". */
  limit: number;
  pass: boolean;
}

export function checkTargets(m: Medians, database: Gateway, connections: number): TargetCheck[] {
  const checks = [
    atMost('c1_added_p50_ms', 'c=1 added latency p50 (ms)', m.c1.added_p50_ms[database], 0.8, '≤ 0.8 ms'),
    atMost('c1_added_p99_ms', 'c=1 added latency p99 (ms)', m.c1.added_p99_ms[database], 3, '≤ 3 ms'),
    atLeast('throughput_vs_bare', `c=${connections} throughput ÷ bare proxy`, m.loaded.throughput_vs_bare[database], 0.3, '≥ 0.3'),
    atMost('sse_added_ttfb_p50_ms', 'SSE added time to first byte p50 (ms)', m.sse.added_ttfb_p50_ms[database], 0.5, '≤ 0.5 ms'),
  ];
  if (onPostgres(database)) {
    checks.push(atMost('postgres_cpu_us_per_request', `Postgres CPU µs per settled request at c=${connections}`, m.loaded.postgres_cpu_us_per_request[database], 60, '≤ 60 µs'));
  }
  const slow = m.slow;
  if (slow.gap_p99_ms[database] !== undefined) {
    const bare = (value: number | undefined) => value ?? Number.NaN;
    checks.push(
      atMost('slow_added_gap_p99_ms', 'slow streams: added p99 gap (ms)', slow.added_gap_p99_ms[database], 3, '≤ 3 ms'),
      atMost('slow_gap_max_ms', 'slow streams: longest gap (ms)', slow.gap_max_ms[database], bare(slow.gap_max_ms.bare) + 20, "≤ bare's + 20 ms"),
      atMost('slow_ttfb_p50_ms', 'slow streams: TTFB p50, all opening at once (ms)', slow.ttfb_p50_ms[database], 2 * bare(slow.ttfb_p50_ms.bare), "≤ 2 × bare's"),
      atMost('slow_cpu_us_per_chunk', 'slow streams: CPU µs per chunk', slow.cpu_us_per_chunk[database], 1.5 * bare(slow.cpu_us_per_chunk.bare), "≤ 1.5 × bare's"),
      atMost('slow_rss_peak_mb', 'slow streams: peak RSS (MB)', slow.rss_peak_mb[database], 300, '≤ 300 MB'),
    );
  }
  return checks;
}

/**
 * The plan target: issue 9's targets, and issue 10's: the quota check adds at most one Redis
 * round trip (the admission, awaited before forwarding) per request, and credit-billed requests
 * never touch Redis. Both from Redis's own counters, which a busy Redis blurs (see the report).
 */
export function checkPlanTargets(m: Medians, target: PlanTarget, connections: number): TargetCheck[] {
  return [
    ...checkTargets(m, target, connections),
    atMost('redis_admissions_per_request', `Redis round trips awaited per request (admissions) at c=${connections}`, m.loaded.redis_admissions_per_request[target], 1, '≤ 1'),
    atMost('credit_redis_commands_per_request', `credit-billed: Redis commands per request at c=${connections}`, m.loaded.redis_commands_per_request.postgres, 0, '= 0 (credit-billed)'),
  ];
}

function atMost(id: string, metric: string, value: number | undefined, limit: number, target: string): TargetCheck {
  return check(id, metric, value, limit, target, (v) => v <= limit);
}

function atLeast(id: string, metric: string, value: number | undefined, limit: number, target: string): TargetCheck {
  return check(id, metric, value, limit, target, (v) => v >= limit);
}

function check(id: string, metric: string, value: number | undefined, limit: number, target: string, passes: (v: number) => boolean): TargetCheck {
  const v = value ?? Number.NaN;
  return { id, metric, value: v, target, limit: round(limit), pass: Number.isFinite(v) && Number.isFinite(limit) && passes(v) };
}
