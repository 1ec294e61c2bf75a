// The plan-billed target's table: the Postgres inferport through a plan-billed key (its quotas
// checked in Redis) beside the same process through a credit-billed key, measured in the same
// rounds, and what the plan path costs over the credit path (plan − credit).
import type { PlanTarget } from './rounds';
import { result, type Errors, type Values } from './rows';
import { round } from './stats';
import type { Medians } from './summary';
import type { Cell } from './table';
import type { TargetCheck } from './targets';

export function planHeader(): string[] {
  return ['metric', 'bare proxy', 'postgres, credit-billed', 'postgres, plan-billed (Redis)', 'plan − credit', 'target', 'result'];
}

export function planRows(m: Medians, target: PlanTarget, checks: TargetCheck[], errors: Errors, connections: number): Cell[][] {
  const c = connections;
  const side = (values: Values, bare: Cell): Cell[] => {
    const credit = values.postgres ?? null;
    const plan = values[target] ?? null;
    return [bare, credit, plan, credit !== null && plan !== null ? round(plan - credit) : null];
  };
  const proxies = (values: Values) => side(values, values.bare ?? null);
  const inferport = (values: Values) => side(values, null);
  const shared = (t: 'postgres' | PlanTarget): Cell => `${m.redis_shared_loads[t] ?? 0} of ${m.redis_loads[t] ?? 0}`;
  const counts = (values: Values): Cell[] => [values.bare ?? null, values.postgres ?? null, values[target] ?? null, null];
  const goal = (id: string): Cell[] => {
    const found = checks.find((entry) => entry.id === id);
    return found ? [found.target, result(found)] : [];
  };
  return [
    ['c=1 added latency p50 (ms)', ...proxies(m.c1.added_p50_ms), ...goal('c1_added_p50_ms')],
    ['c=1 added latency p99 (ms)', ...proxies(m.c1.added_p99_ms), ...goal('c1_added_p99_ms')],
    [`c=${c} requests/s`, ...proxies(m.loaded.requests_per_second)],
    [`c=${c} throughput ÷ bare proxy`, ...side(m.loaded.throughput_vs_bare, 1), ...goal('throughput_vs_bare')],
    [`c=${c} latency p50 (ms)`, ...proxies(m.loaded.p50_ms)],
    [`c=${c} latency p99 (ms)`, ...proxies(m.loaded.p99_ms)],
    ['SSE added time to first byte p50 (ms)', ...proxies(m.sse.added_ttfb_p50_ms), ...goal('sse_added_ttfb_p50_ms')],
    ['gateway CPU µs per request at c=1', ...proxies(m.c1.cpu_us_per_request)],
    [`gateway CPU µs per request at c=${c}`, ...proxies(m.loaded.cpu_us_per_request)],
    [`Postgres CPU µs per settled request at c=${c}`, ...inferport(m.loaded.postgres_cpu_us_per_request), ...goal('postgres_cpu_us_per_request')],
    ['Redis round trips awaited per request (admissions) at c=1', ...inferport(m.c1.redis_admissions_per_request)],
    [`Redis round trips awaited per request (admissions) at c=${c}`, ...inferport(m.loaded.redis_admissions_per_request), ...goal('redis_admissions_per_request')],
    [`  + quota finishes (sent as the request settles, not waited for) at c=${c}`, ...inferport(m.loaded.redis_finishes_per_request)],
    [`Redis scripts run (EVAL, EVALSHA) per request at c=${c}`, ...inferport(m.loaded.redis_scripts_per_request)],
    [`Redis commands per request (scripts' own included) at c=${c}`, ...inferport(m.loaded.redis_commands_per_request), ...goal('credit_redis_commands_per_request')],
    ['Redis CPU µs per request at c=1', ...inferport(m.c1.redis_cpu_us_per_request)],
    [`Redis CPU µs per request at c=${c}`, ...inferport(m.loaded.redis_cpu_us_per_request)],
    ['loads during which others used Redis too', null, shared('postgres'), shared(target), null],
    ['non-2xx answers (all rounds)', ...counts(errors.non_2xx)],
    ['socket errors (all rounds)', ...counts(errors.socket_errors)],
    ['SSE streams failed (all rounds)', ...counts(errors.sse_failed)],
  ];
}
