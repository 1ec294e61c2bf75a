// The rollups a settlement batch keeps next to the usage records it writes (issue 12), so the
// cost console reads a few rows per day instead of scanning usage_records:
// - usage_daily: per account, UTC day, model and upstream, the sums of that day's records;
// - usage_top: per account and UTC day, a superset of the day's 10 most expensive requests.
// Both are built here, once, from the batch's usage rows (pure); each database only applies them
// in the statement batch that inserts the records (settlement-postgres.ts, settlement-sqlite.ts).
import type { Selectable } from 'kysely';
import type { UsageDailyTable, UsageRecordsTable, UsageTopTable } from '../db/schema';

export const MS_PER_DAY = 86_400_000;
/** How many of the most expensive requests the console lists; usage_top keeps that many a day. */
export const TOP_REQUESTS = 10;

export type RollupSource = Pick<Selectable<UsageRecordsTable>, 'id' | 'account_id' | 'model' | 'upstream' | 'prompt_tokens' | 'completion_tokens' | 'cost_micros' | 'created_at_ms'>;
export type UsageDailyRow = Selectable<UsageDailyTable>;
export type UsageTopRow = Selectable<UsageTopTable>;

/** The UTC calendar day of a time: floor(ms / 86400000), as usage_daily.day_index stores it. */
export function dayIndexOf(ms: bigint | number): bigint {
  const value = BigInt(ms);
  const day = value / BigInt(MS_PER_DAY);
  return value < 0n && day * BigInt(MS_PER_DAY) !== value ? day - 1n : day;
}

/**
 * The batch's records summed per (account, day, model, upstream): one upsert row per key, so a
 * statement never touches a rollup row twice. Sorted by key, so concurrent batches lock the rows
 * they share in one order and cannot deadlock on them.
 */
export function usageDailyRows(records: readonly RollupSource[]): UsageDailyRow[] {
  const sums = new Map<string, UsageDailyRow>();
  for (const record of records) {
    const row: UsageDailyRow = {
      account_id: record.account_id,
      day_index: dayIndexOf(record.created_at_ms),
      model: record.model,
      upstream: record.upstream ?? '',
      requests: 0n,
      prompt_tokens: 0n,
      completion_tokens: 0n,
      cost_micros: 0n,
    };
    const key = `${row.account_id}\u0000${row.day_index}\u0000${row.model}\u0000${row.upstream}`;
    const sum = sums.get(key) ?? row;
    sum.requests += 1n;
    sum.prompt_tokens += BigInt(record.prompt_tokens);
    sum.completion_tokens += BigInt(record.completion_tokens);
    sum.cost_micros += BigInt(record.cost_micros);
    sums.set(key, sum);
  }
  return [...sums.values()].sort(compareDailyKeys);
}

/**
 * The batch's candidates for usage_top: per account and day, its 10 most expensive charged
 * requests (a request ranked lower in its own batch cannot be in the day's 10). The applying
 * statement inserts a candidate only when fewer than 10 kept requests of that day beat it, so
 * the table keeps every day's 10 and grows by about 10·ln(n/10) rows for a day of n requests.
 */
export function usageTopRows(records: readonly RollupSource[]): UsageTopRow[] {
  const byDay = new Map<string, UsageTopRow[]>();
  for (const record of records) {
    const costMicros = BigInt(record.cost_micros);
    if (costMicros <= 0n) continue;
    const row: UsageTopRow = { account_id: record.account_id, day_index: dayIndexOf(record.created_at_ms), cost_micros: costMicros, record_id: record.id };
    const key = `${row.account_id}\u0000${row.day_index}`;
    const day = byDay.get(key) ?? [];
    day.push(row);
    byDay.set(key, day);
  }
  const candidates: UsageTopRow[] = [];
  for (const day of byDay.values()) candidates.push(...day.sort(compareExpensiveFirst).slice(0, TOP_REQUESTS));
  return candidates;
}

/** The console's order of expensive requests: cost, then record id, both descending (ids compared bytewise). */
export function compareExpensiveFirst(a: { cost_micros: bigint; record_id: string }, b: { cost_micros: bigint; record_id: string }): number {
  if (a.cost_micros !== b.cost_micros) return a.cost_micros > b.cost_micros ? -1 : 1;
  return a.record_id === b.record_id ? 0 : a.record_id > b.record_id ? -1 : 1;
}

function compareDailyKeys(a: UsageDailyRow, b: UsageDailyRow): number {
  return compareText(a.account_id, b.account_id) || (a.day_index === b.day_index ? 0 : a.day_index < b.day_index ? -1 : 1) || compareText(a.model, b.model) || compareText(a.upstream, b.upstream);
}

function compareText(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}
