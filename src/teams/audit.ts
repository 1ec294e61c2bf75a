// The auditor's check of key_spend_daily: recomputed from the raw usage rows, each key's day must
// be the exact count and sum of its credit-billed records (the rollup the caps and reports read).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';

export async function auditKeySpend(db: Kysely<Database>): Promise<string[]> {
  const figures = (row: { requests: unknown; cost_micros: unknown }) => `${BigInt(row.requests as bigint)}/${BigInt(row.cost_micros as bigint)}`;
  const recomputed = await sql<{ key_id: string; day_index: bigint; requests: bigint; cost_micros: bigint }>`
    SELECT key_id, created_at_ms / 86400000 AS day_index, count(*) AS requests, sum(cost_micros) AS cost_micros
    FROM usage_records WHERE billing = 'credits' GROUP BY key_id, created_at_ms / 86400000`.execute(db);
  const expected = new Map(recomputed.rows.map((row) => [`${row.key_id}|${row.day_index}`, figures(row)]));
  const problems: string[] = [];
  for (const row of await db.selectFrom('key_spend_daily').selectAll().execute()) {
    const key = `${row.key_id}|${row.day_index}`;
    const want = expected.get(key) ?? '0/0';
    if (figures(row) !== want) problems.push(`key_spend_daily ${key} is ${figures(row)} (requests/cost), its records sum to ${want}`);
    expected.delete(key);
  }
  for (const [key, want] of expected) problems.push(`key_spend_daily ${key} is missing, its records sum to ${want}`);
  return problems;
}
