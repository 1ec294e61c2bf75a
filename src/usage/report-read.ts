// What a usage report reads, each an indexed range of one account: its rollup rows and billed
// deployment hours since the calendar's first day, the deployments those name, and the kept
// most expensive requests of the window. None of them reads usage_records beyond ten rows by id.
import { sql, type Kysely } from 'kysely';
import type { Database, DeploymentStatus } from '../db/schema';
import { assert } from '../shared/assert';
import { MS_PER_DAY, TOP_REQUESTS } from './rollup';
import type { DayRange } from './report-window';

export interface DailyRollup {
  day: bigint;
  model: string;
  upstream: string;
  requests: bigint;
  promptTokens: bigint;
  completionTokens: bigint;
  costMicros: bigint;
}

export interface DeploymentDay {
  deploymentId: string;
  day: bigint;
  hours: bigint;
  amountMicros: bigint;
}

export interface DeploymentInfo {
  id: string;
  model: string;
  instanceType: string;
  status: DeploymentStatus;
}

export interface ExpensiveRequest {
  requestId: string;
  createdAtMs: number;
  model: string;
  endpoint: string;
  promptTokens: bigint;
  completionTokens: bigint;
  costMicros: bigint;
}

export async function readDailyRollups(db: Kysely<Database>, accountId: string, range: DayRange): Promise<DailyRollup[]> {
  const rows = await db.selectFrom('usage_daily').selectAll().where('account_id', '=', accountId).where('day_index', '>=', range.first).where('day_index', '<=', range.last).execute();
  return rows.map((row) => ({
    day: BigInt(row.day_index),
    model: row.model,
    upstream: row.upstream,
    requests: BigInt(row.requests),
    promptTokens: BigInt(row.prompt_tokens),
    completionTokens: BigInt(row.completion_tokens),
    costMicros: BigInt(row.cost_micros),
  }));
}

/** Billed hours per deployment and UTC day of their charge, from deployment_hours' (account, charged_at_ms) index. */
export async function readDeploymentDays(db: Kysely<Database>, accountId: string, range: DayRange): Promise<DeploymentDay[]> {
  const fromMs = range.first * BigInt(MS_PER_DAY);
  const beforeMs = (range.last + 1n) * BigInt(MS_PER_DAY);
  const rows = await sql<{ deployment_id: string; day_index: bigint; hours: bigint; amount_micros: bigint }>`
    SELECT deployment_id, charged_at_ms / ${sql.lit(MS_PER_DAY)} AS day_index, count(*) AS hours, sum(amount_micros) AS amount_micros
    FROM deployment_hours WHERE account_id = ${accountId} AND charged_at_ms >= ${fromMs} AND charged_at_ms < ${beforeMs}
    GROUP BY deployment_id, charged_at_ms / ${sql.lit(MS_PER_DAY)}`.execute(db);
  return rows.rows.map((row) => ({ deploymentId: row.deployment_id, day: BigInt(row.day_index), hours: BigInt(row.hours), amountMicros: BigInt(row.amount_micros) }));
}

/** The account's deployments among `ids` (ids that name no deployment of it are left out). */
export async function readDeployments(db: Kysely<Database>, accountId: string, ids: readonly string[]): Promise<DeploymentInfo[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('deployments').select(['id', 'model', 'instance_type', 'status']).where('account_id', '=', accountId).where('id', 'in', [...ids]).execute();
  return rows.map((row) => ({ id: row.id, model: row.model, instanceType: row.instance_type, status: row.status }));
}

/**
 * The window's 10 most expensive charged requests: ranked in usage_top (rollup.ts), then their
 * records read by id. (Two queries rather than a join: usage_top's ids compare bytewise on
 * Postgres, and a join across two collations would need a dialect's COLLATE clause.)
 */
export async function readExpensiveRequests(db: Kysely<Database>, accountId: string, range: DayRange): Promise<ExpensiveRequest[]> {
  const top = await db
    .selectFrom('usage_top')
    .select(['record_id', 'cost_micros'])
    .where('account_id', '=', accountId)
    .where('day_index', '>=', range.first)
    .where('day_index', '<=', range.last)
    .orderBy('cost_micros', 'desc')
    .orderBy('record_id', 'desc')
    .limit(TOP_REQUESTS)
    .execute();
  if (top.length === 0) return [];
  const records = await db
    .selectFrom('usage_records')
    .select(['id', 'request_id', 'created_at_ms', 'model', 'endpoint', 'prompt_tokens', 'completion_tokens'])
    .where('id', 'in', top.map((row) => row.record_id))
    .execute();
  const byId = new Map(records.map((record) => [record.id, record]));
  return top.map((row) => {
    const record = byId.get(row.record_id);
    assert(record !== undefined, `usage_top keeps ${row.record_id}, which has no usage record`);
    return {
      requestId: record.request_id,
      createdAtMs: Number(record.created_at_ms),
      model: record.model,
      endpoint: record.endpoint,
      promptTokens: BigInt(record.prompt_tokens),
      completionTokens: BigInt(record.completion_tokens),
      costMicros: BigInt(row.cost_micros),
    };
  });
}
