// The auditor's part for the console's rollups (rollup.ts): recomputed from the raw usage rows,
// usage_daily must be their exact sums and usage_top must hold every day's 10 most expensive.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { compareExpensiveFirst, dayIndexOf, TOP_REQUESTS, type UsageTopRow } from './rollup';

export async function auditUsageRollups(db: Kysely<Database>): Promise<string[]> {
  return [...(await auditUsageDaily(db)), ...(await auditUsageTop(db))];
}

async function auditUsageDaily(db: Kysely<Database>): Promise<string[]> {
  const problems: string[] = [];
  const figures = (row: { requests: unknown; prompt_tokens: unknown; completion_tokens: unknown; cost_micros: unknown }) =>
    [row.requests, row.prompt_tokens, row.completion_tokens, row.cost_micros].map((value) => BigInt(value as bigint).toString()).join('/');
  const recomputed = await sql<{ account_id: string; day_index: bigint; model: string; upstream: string; requests: bigint; prompt_tokens: bigint; completion_tokens: bigint; cost_micros: bigint }>`
    SELECT account_id, created_at_ms / 86400000 AS day_index, model, coalesce(upstream, '') AS upstream,
      count(*) AS requests, sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cost_micros) AS cost_micros
    FROM usage_records GROUP BY account_id, created_at_ms / 86400000, model, coalesce(upstream, '')`.execute(db);
  const expected = new Map(recomputed.rows.map((row) => [`${row.account_id}|${row.day_index}|${row.model}|${row.upstream}`, figures(row)]));
  for (const row of await db.selectFrom('usage_daily').selectAll().execute()) {
    const key = `${row.account_id}|${row.day_index}|${row.model}|${row.upstream}`;
    const want = expected.get(key) ?? '0/0/0/0';
    if (figures(row) !== want) problems.push(`usage_daily ${key} is ${figures(row)} (requests/prompt/completion/cost), its records sum to ${want}`);
    expected.delete(key);
  }
  for (const [key, want] of expected) problems.push(`usage_daily ${key} is missing, its records sum to ${want}`);
  return problems;
}

async function auditUsageTop(db: Kysely<Database>): Promise<string[]> {
  const problems: string[] = [];
  const records = await db.selectFrom('usage_records').select(['id', 'account_id', 'created_at_ms', 'cost_micros']).where('cost_micros', '>', 0n).execute();
  const byDay = new Map<string, UsageTopRow[]>();
  const byId = new Map<string, UsageTopRow>();
  for (const record of records) {
    const row = { account_id: record.account_id, day_index: dayIndexOf(record.created_at_ms), cost_micros: BigInt(record.cost_micros), record_id: record.id };
    const key = `${row.account_id}|${row.day_index}`;
    byDay.set(key, [...(byDay.get(key) ?? []), row]);
    byId.set(row.record_id, row);
  }
  const kept = new Set<string>();
  for (const row of await db.selectFrom('usage_top').selectAll().execute()) {
    const record = byId.get(row.record_id);
    if (!record || record.account_id !== row.account_id || record.day_index !== BigInt(row.day_index) || record.cost_micros !== BigInt(row.cost_micros)) {
      problems.push(`usage_top keeps ${row.record_id} (${row.account_id}, day ${row.day_index}, ${row.cost_micros}), which no charged record matches`);
    }
    kept.add(row.record_id);
  }
  for (const [key, day] of byDay) {
    for (const row of day.sort(compareExpensiveFirst).slice(0, TOP_REQUESTS)) {
      if (!kept.has(row.record_id)) problems.push(`usage_top misses ${row.record_id}, one of the 10 most expensive requests of ${key}`);
    }
  }
  return problems;
}
