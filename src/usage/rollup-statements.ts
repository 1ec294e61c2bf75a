// The rollup rows (rollup.ts) as statements for Kysely, the same on both databases: the SQLite
// settlement batch sends them with the records, and a record inserted on its own uses them too.
// (Postgres's settlement batch applies the same rows inside inferport_apply_charges, migration 018.)
import { sql, type CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { TOP_REQUESTS, type UsageDailyRow, type UsageTopRow } from './rollup';

/** Adds each row into its (account, day, model, upstream) rollup; the rows' keys are distinct. */
export function upsertUsageDaily(db: Kysely<Database>, rows: readonly UsageDailyRow[]): CompiledQuery {
  return db
    .insertInto('usage_daily')
    .values([...rows])
    .onConflict((conflict) =>
      conflict.columns(['account_id', 'day_index', 'model', 'upstream']).doUpdateSet((eb) => ({
        requests: eb('usage_daily.requests', '+', eb.ref('excluded.requests')),
        prompt_tokens: eb('usage_daily.prompt_tokens', '+', eb.ref('excluded.prompt_tokens')),
        completion_tokens: eb('usage_daily.completion_tokens', '+', eb.ref('excluded.completion_tokens')),
        cost_micros: eb('usage_daily.cost_micros', '+', eb.ref('excluded.cost_micros')),
      })),
    )
    .compile();
}

/** Inserts the candidates that fewer than 10 kept requests of their day beat (usage_top stays a superset of each day's 10). */
export function insertUsageTop(db: Kysely<Database>, rows: readonly UsageTopRow[]): CompiledQuery {
  const candidates = sql.join(rows.map((row) => sql`(${row.account_id}, CAST(${row.day_index} AS bigint), CAST(${row.cost_micros} AS bigint), ${row.record_id})`));
  return sql`WITH c (account_id, day_index, cost_micros, record_id) AS (VALUES ${candidates})
    INSERT INTO usage_top (account_id, day_index, cost_micros, record_id)
    SELECT c.account_id, c.day_index, c.cost_micros, c.record_id FROM c
    WHERE (SELECT count(*) FROM (
      SELECT 1 FROM usage_top t
      WHERE t.account_id = c.account_id AND t.day_index = c.day_index AND (t.cost_micros, t.record_id) > (c.cost_micros, c.record_id)
      LIMIT ${sql.lit(TOP_REQUESTS)}) AS beaten) < ${sql.lit(TOP_REQUESTS)}`.compile(db);
}
