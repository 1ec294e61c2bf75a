// The rows of the benchmark's table, from the medians: what a reader needs to see at a glance.
import type { Target } from './rounds';
import type { countErrors, Medians } from './summary';
import type { Row, TargetCheck } from './table';

export function tableRows(m: Medians, targets: TargetCheck[], errors: ReturnType<typeof countErrors>, connections: number): Row[] {
  const c = connections;
  const all = (values: Record<Target, number>) => [values.direct, values.bare, values.inferport] as const;
  const proxies = (values: { bare: number; inferport: number }) => [null, values.bare, values.inferport] as const;
  const busy = (t: Target) => percent(m.loaded.core_busy[t]);
  return [
    ['c=1 latency p50 (ms)', ...all(m.c1.p50_ms)],
    ['c=1 latency p99 (ms)', ...all(m.c1.p99_ms)],
    ['c=1 added latency p50 (ms)', ...proxies(m.c1.added_p50_ms), targets[0]],
    ['c=1 added latency p99 (ms)', ...proxies(m.c1.added_p99_ms), targets[1]],
    [`c=${c} requests/s`, ...all(m.loaded.requests_per_second)],
    [`c=${c} throughput ÷ bare proxy`, null, 1, m.loaded.throughput_vs_bare, targets[2]],
    [`c=${c} latency p50 (ms)`, ...all(m.loaded.p50_ms)],
    [`c=${c} latency p99 (ms)`, ...all(m.loaded.p99_ms)],
    ['SSE time to first byte p50 (ms)', ...all(m.sse.ttfb_p50_ms)],
    ['SSE added time to first byte p50 (ms)', ...proxies(m.sse.added_ttfb_p50_ms), targets[3]],
    ['SSE whole 64-chunk stream p50 (ms)', ...all(m.sse.stream_p50_ms)],
    [`peak RSS under c=${c} (MB)`, ...proxies(m.loaded.rss_peak_mb), targets[4]],
    ['CPU µs per request at c=1', ...proxies(m.c1.cpu_us_per_request)],
    [`CPU µs per request at c=${c}`, ...proxies(m.loaded.cpu_us_per_request)],
    [`  of which kernel (system) at c=${c}`, ...proxies(m.loaded.system_cpu_us_per_request)],
    [`proxy process CPU at c=${c} (cores)`, ...proxies(m.loaded.cpu_cores)],
    ['Postgres CPU µs per request at c=1', null, null, m.c1.postgres_cpu_us_per_request.inferport],
    [`Postgres CPU µs per request at c=${c}`, null, null, m.loaded.postgres_cpu_us_per_request.inferport],
    [`cores busy at c=${c} (%)`, busy('direct'), busy('bare'), busy('inferport')],
    ['non-2xx answers (all rounds)', ...all(errors.non_2xx)],
    ['socket errors (all rounds)', ...all(errors.socket_errors)],
  ];
}

/** Each core's busy share as whole percents: "93 / 99". */
export function percent(busy: Record<string, number>): string {
  return Object.values(busy).map((share) => Math.round(share * 100)).join(' / ');
}
