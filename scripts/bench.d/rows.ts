// The rows of the benchmark's tables, from the medians: one table per database (direct, bare
// proxy, inferport on it) and one for the slow streams (bare proxy and each inferport).
import type { Database } from './rounds';
import type { countErrors, Medians } from './summary';
import type { TargetCheck } from './targets';
import type { Cell } from './table';

export type Values = Partial<Record<string, number>>;
export type Errors = ReturnType<typeof countErrors>;

export function databaseHeader(database: Database): string[] {
  return ['metric', 'direct', 'bare proxy', `inferport on ${database}`, 'target', 'result'];
}

export function databaseRows(m: Medians, database: Database, checks: TargetCheck[], errors: Errors, connections: number): Cell[][] {
  const c = connections;
  const all = (values: Values): Cell[] => [values.direct ?? null, values.bare ?? null, values[database] ?? null];
  const proxies = (values: Values): Cell[] => [null, values.bare ?? null, values[database] ?? null];
  const only = (values: Values): Cell[] => [null, null, values[database] ?? null];
  const target = (id: string): Cell[] => {
    const found = checks.find((entry) => entry.id === id);
    return found ? [found.target, result(found)] : [];
  };
  const busy = (t: string) => percent(m.loaded.core_busy[t as Database] ?? {});
  const rows: Cell[][] = [
    ['c=1 latency p50 (ms)', ...all(m.c1.p50_ms)],
    ['c=1 latency p99 (ms)', ...all(m.c1.p99_ms)],
    ['c=1 added latency p50 (ms)', ...proxies(m.c1.added_p50_ms), ...target('c1_added_p50_ms')],
    ['c=1 added latency p99 (ms)', ...proxies(m.c1.added_p99_ms), ...target('c1_added_p99_ms')],
    [`c=${c} requests/s`, ...all(m.loaded.requests_per_second)],
    [`c=${c} throughput ÷ bare proxy`, null, 1, m.loaded.throughput_vs_bare[database] ?? null, ...target('throughput_vs_bare')],
    [`c=${c} latency p50 (ms)`, ...all(m.loaded.p50_ms)],
    [`c=${c} latency p99 (ms)`, ...all(m.loaded.p99_ms)],
    ['SSE time to first byte p50 (ms)', ...all(m.sse.ttfb_p50_ms)],
    ['SSE added time to first byte p50 (ms)', ...proxies(m.sse.added_ttfb_p50_ms), ...target('sse_added_ttfb_p50_ms')],
    ['SSE whole 64-chunk stream p50 (ms)', ...all(m.sse.stream_p50_ms)],
    [`peak RSS under c=${c} (MB)`, ...proxies(m.loaded.rss_peak_mb)],
    ['gateway CPU µs per request at c=1', ...proxies(m.c1.cpu_us_per_request)],
    [`gateway CPU µs per request at c=${c}`, ...proxies(m.loaded.cpu_us_per_request)],
    [`  of which kernel (system) at c=${c}`, ...proxies(m.loaded.system_cpu_us_per_request)],
    [`proxy process CPU at c=${c} (cores)`, ...proxies(m.loaded.cpu_cores)],
  ];
  if (database === 'postgres') {
    rows.push(
      ['Postgres CPU µs per settled request at c=1', ...only(m.c1.postgres_cpu_us_per_request)],
      [`Postgres CPU µs per settled request at c=${c}`, ...only(m.loaded.postgres_cpu_us_per_request), ...target('postgres_cpu_us_per_request')],
      [`  + cluster background processes at c=${c}`, ...only(m.loaded.postgres_background_cpu_us_per_request)],
    );
  }
  rows.push(
    [`cores busy at c=${c} (%)`, busy('direct'), busy('bare'), busy(database)],
    ['non-2xx answers (all rounds)', ...all(errors.non_2xx)],
    ['socket errors (all rounds)', ...all(errors.socket_errors)],
    ['SSE streams failed (all rounds)', ...all(errors.sse_failed)],
  );
  return rows;
}

export function streamHeader(databases: Database[]): string[] {
  return ['metric', 'bare proxy', ...databases.map((db) => `inferport on ${db}`), 'target', `result (${databases.join(' / ')})`];
}

export function streamRows(m: Medians, databases: Database[], checks: Record<string, TargetCheck[]>): Cell[][] {
  const s = m.slow;
  const values = (v: Values, bare = true): Cell[] => [bare ? (v.bare ?? null) : null, ...databases.map((db) => v[db] ?? null)];
  const target = (id: string): Cell[] => {
    const found = databases.map((db) => checks[db]?.find((entry) => entry.id === id));
    const first = found.find((entry) => entry !== undefined);
    return first ? [first.target, found.map((entry) => (entry ? result(entry) : '-')).join(' / ')] : [];
  };
  return [
    ['streams ok (all rounds)', ...values(s.ok)],
    ['streams failed (all rounds)', ...values(s.failed)],
    ['most streams open at once (fewest over rounds)', ...values(s.max_open_at_once)],
    ['TTFB p50, all opening at once (ms)', ...values(s.ttfb_p50_ms), ...target('slow_ttfb_p50_ms')],
    ['gap between chunks p50 (ms)', ...values(s.gap_p50_ms)],
    ['gap between chunks p99 (ms)', ...values(s.gap_p99_ms)],
    ['added p99 gap (ms)', ...values(s.added_gap_p99_ms, false), ...target('slow_added_gap_p99_ms')],
    ['longest gap (ms, worst round)', ...values(s.gap_max_ms), ...target('slow_gap_max_ms')],
    ["a stream's longest gap, p50 over streams (ms)", ...values(s.stream_max_gap_p50_ms)],
    ['gateway CPU µs per chunk', ...values(s.cpu_us_per_chunk), ...target('slow_cpu_us_per_chunk')],
    ['peak RSS (MB, worst round)', ...values(s.rss_peak_mb), ...target('slow_rss_peak_mb')],
    ['Postgres CPU µs per stream', ...values(s.postgres_cpu_us_per_stream, false)],
  ];
}

export function result(check: TargetCheck): string {
  return check.pass ? 'pass' : 'MISS';
}

/** Each core's busy share as whole percents: "93 / 99". */
export function percent(busy: Record<string, number>): string {
  return Object.values(busy).map((share) => Math.round(share * 100)).join(' / ');
}
