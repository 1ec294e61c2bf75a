// Reads the raw reports of one run (wrk, /proc samples, TTFB, slow streams) back into per-round
// numbers.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { redisRates, redisUse, type RedisRates, type RedisUse } from './redis-use';
import { readSlowRun, type SlowRun } from './slow-runs';
import { round as round4, type Summary } from './stats';
import { parseWrk, type WrkResult } from './wrk';

export type Database = 'postgres' | 'sqlite';
/** Inferport on Postgres again, through a plan-billed key: its quotas are checked in Redis. */
export type PlanTarget = 'postgres_plan';
/** An inferport target: one per database (credit-billed keys) and the plan-billed one. */
export type Gateway = Database | PlanTarget;
/** What a load goes through: straight to the upstream, the bare proxy, or inferport. */
export type Target = 'direct' | 'bare' | Gateway;
export type Proxy = Exclude<Target, 'direct'>;
export type PerTarget<T> = Partial<Record<Target, T>>;

/** The database an inferport target runs on. */
export function databaseOf(target: Gateway): Database {
  return target === 'postgres_plan' ? 'postgres' : target;
}

export function isGateway(target: Target): target is Gateway {
  return target !== 'direct' && target !== 'bare';
}

/** Whether the target's load reaches the Postgres benchmark database (its backends' CPU is measured). */
export function onPostgres(target: Target): boolean {
  return isGateway(target) && databaseOf(target) === 'postgres';
}

/** One wrk run and what the target's process (and Postgres, for inferport on it) spent meanwhile. */
export interface LoadedRun extends WrkResult {
  /** CPU time of the target's process per completed request; null for the upstream (direct). */
  cpuUsPerRequest: number | null;
  /** The kernel's part of cpuUsPerRequest (system time: syscalls, loopback TCP). */
  systemCpuUsPerRequest: number | null;
  /** CPU the target's process used, in cores (1 = one core busy all the time). */
  cpuCores: number | null;
  rssPeakMb: number | null;
  /** CPU of inferport's Postgres backends per settled request (inferport on Postgres only). */
  postgresCpuUsPerRequest: number | null;
  /** CPU of the Postgres cluster's own processes (WAL writer, checkpointer…) per settled request. */
  postgresBackgroundCpuUsPerRequest: number | null;
  /** Busy share of each core over the run, 0..1. */
  coreBusy: Record<string, number>;
  /** What Redis did meanwhile (null without Redis), and per completed request for inferport on Postgres. */
  redis: (RedisUse & { rates: RedisRates | null }) | null;
}

export interface StreamRun {
  ok: number;
  failed: number;
  ttfbMs: Summary;
  totalMs: Summary;
}

export interface Round {
  round: number;
  c1: PerTarget<LoadedRun>;
  loaded: PerTarget<LoadedRun>;
  sse: PerTarget<StreamRun>;
  slow: Partial<Record<Proxy, SlowRun>>;
}

/** What scripts/bench wrote around one load (see begin_measure there). */
export interface ProcSample {
  target_ticks: number;
  target_system_ticks: number;
  /** From the start of the load until the target had settled what it left in flight. */
  seconds: number;
  /** Requests the target completed in that time (inferport's usage records); -1 when unknown. */
  completed_requests: number;
  rss_peak_kb: number;
  pg_ticks: number;
  pg_background_ticks: number;
  cores_before: string;
  cores_after: string;
  /** redis_counters before and after the load; empty without Redis. */
  redis_before?: string;
  redis_after?: string;
}

export interface RunShape {
  rounds: number;
  connections: number;
  clockTicksPerSecond: number;
  targets: Target[];
  streamTargets: Proxy[];
}

export function readRounds(dir: string, shape: RunShape): Round[] {
  const list: Round[] = [];
  for (let round = 1; round <= shape.rounds; round++) {
    const file = (name: string) => join(dir, name.replace('#', `r${round}`));
    const sample = (prefix: string, target: Target) => JSON.parse(readFileSync(file(`${prefix}-${target}-#.proc.json`), 'utf8')) as ProcSample;
    const measured = (prefix: string, target: Target) =>
      loadedRun(parseWrk(readFileSync(file(`${prefix}-${target}-#.txt`), 'utf8')), sample(prefix, target), target, shape.clockTicksPerSecond);
    const sseFile = file('ttfb-#.json');
    const sse = existsSync(sseFile) ? (JSON.parse(readFileSync(sseFile, 'utf8')) as PerTarget<{ ok: number; failed: number; ttfb_ms: Summary; total_ms: Summary }>) : {};
    const entry: Round = { round, c1: {}, loaded: {}, sse: {}, slow: {} };
    for (const target of shape.targets) {
      entry.c1[target] = measured('c1', target);
      entry.loaded[target] = measured(`c${shape.connections}`, target);
      const stream = sse[target];
      if (stream) entry.sse[target] = { ok: stream.ok, failed: stream.failed, ttfbMs: stream.ttfb_ms, totalMs: stream.total_ms };
    }
    for (const target of shape.streamTargets) {
      const report = JSON.parse(readFileSync(file(`slow-${target}-#.json`), 'utf8'));
      entry.slow[target] = readSlowRun(report, sample('slow', target), target, shape.clockTicksPerSecond);
    }
    list.push(entry);
  }
  return list;
}

function loadedRun(wrk: WrkResult, sample: ProcSample, target: Target, clockTicksPerSecond: number): LoadedRun {
  const requests = sample.completed_requests >= 0 ? sample.completed_requests : wrk.requests;
  const perRequestUs = (ticks: number) => round4((ticks * 1e6) / clockTicksPerSecond / Math.max(1, requests));
  const measured = target !== 'direct';
  // Inferport's one Redis connection is busy through the plan target, idle through the others.
  const redis = redisUse(sample.redis_before, sample.redis_after, sample.seconds, target === 'postgres_plan' ? 1 : 0);
  return {
    ...wrk,
    cpuUsPerRequest: measured ? perRequestUs(sample.target_ticks) : null,
    systemCpuUsPerRequest: measured ? perRequestUs(sample.target_system_ticks) : null,
    cpuCores: measured ? round4(sample.target_ticks / clockTicksPerSecond / sample.seconds) : null,
    rssPeakMb: measured ? round4((sample.rss_peak_kb * 1024) / 1e6) : null,
    postgresCpuUsPerRequest: onPostgres(target) ? perRequestUs(sample.pg_ticks) : null,
    postgresBackgroundCpuUsPerRequest: onPostgres(target) ? perRequestUs(sample.pg_background_ticks) : null,
    coreBusy: coreBusy(sample.cores_before, sample.cores_after),
    redis: redis && { ...redis, rates: onPostgres(target) ? redisRates(redis, requests) : null },
  };
}

/** "cpu0 busy total;cpu1 busy total;" before and after → each core's busy share in between. */
export function coreBusy(before: string, after: string): Record<string, number> {
  const parse = (text: string) =>
    new Map(
      text
        .split(';')
        .filter(Boolean)
        .map((item) => {
          const [name, busy, total] = item.trim().split(/\s+/);
          return [name!, { busy: Number(busy), total: Number(total) }] as const;
        }),
    );
  const start = parse(before);
  const busy: Record<string, number> = {};
  for (const [name, end] of parse(after)) {
    const from = start.get(name);
    if (from && end.total > from.total) busy[name] = round4((end.busy - from.busy) / (end.total - from.total));
  }
  return busy;
}
