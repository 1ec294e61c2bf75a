// One round of the slow-stream load through one target: what the client saw (slow-streams.ts)
// and what the target's process spent meanwhile (scripts/bench's /proc sample).
import type { ProcSample, Proxy } from './rounds';
import { round, type Summary } from './stats';

export interface SlowRun {
  streams: number;
  ok: number;
  failed: number;
  /** The most streams open at one moment; the load is what it claims only when it equals streams. */
  maxOpenAtOnce: number;
  ttfbMs: Summary;
  gapMs: Summary & { max: number };
  /** Each stream's longest gap, summarised over the streams. */
  streamMaxGapMs: Summary;
  /** The target's CPU (all threads and children) per chunk delivered. */
  cpuUsPerChunk: number;
  rssPeakMb: number;
  /** CPU of inferport's Postgres backends per stream settled (inferport on Postgres only). */
  postgresCpuUsPerStream: number | null;
  seconds: number;
}

interface ClientReport {
  streams: number;
  chunks_per_stream: number;
  ok: number;
  failed: number;
  max_open_at_once: number;
  seconds: number;
  ttfb_ms: Summary;
  gap_ms: Summary & { max: number };
  stream_max_gap_ms: Summary;
}

export function readSlowRun(report: ClientReport, sample: ProcSample, target: Proxy, clockTicksPerSecond: number): SlowRun {
  const us = (ticks: number) => (ticks * 1e6) / clockTicksPerSecond;
  const streams = sample.completed_requests >= 0 ? sample.completed_requests : report.ok;
  return {
    streams: report.streams,
    ok: report.ok,
    failed: report.failed,
    maxOpenAtOnce: report.max_open_at_once,
    ttfbMs: report.ttfb_ms,
    gapMs: report.gap_ms,
    streamMaxGapMs: report.stream_max_gap_ms,
    cpuUsPerChunk: round(us(sample.target_ticks) / Math.max(1, report.ok * report.chunks_per_stream)),
    rssPeakMb: round((sample.rss_peak_kb * 1024) / 1e6),
    postgresCpuUsPerStream: target === 'postgres' ? round(us(sample.pg_ticks) / Math.max(1, streams)) : null,
    seconds: report.seconds,
  };
}
