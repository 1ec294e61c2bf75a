// The table deployments (and the sums of its billed hours): reads, and the row writes the service
// and the biller make inside their transactions. Money never moves here (src/ledger does that).
import { sql, type Kysely, type Transaction } from 'kysely';
import { withRowLock } from '../db/dialect';
import type { Database, DeploymentStatus } from '../db/schema';
import { notFound } from '../errors';
import { rowToDeployment, type Deployment, type DeploymentBilled } from './model';

export type Trx = Transaction<Database>;

/** The deployment, or 404; `accountId` narrows it to one account's own (the console). */
export async function getDeployment(db: Kysely<Database>, id: string, accountId: string | null = null): Promise<Deployment> {
  let query = db.selectFrom('deployments').selectAll().where('id', '=', id);
  if (accountId !== null) query = query.where('account_id', '=', accountId);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound(`deployment ${id}`, 'id');
  return rowToDeployment(row);
}

/** Newest first, at most `limit`, of one account or of all. */
export async function listDeployments(db: Kysely<Database>, accountId: string | null, limit: number): Promise<Deployment[]> {
  let query = db.selectFrom('deployments').selectAll();
  if (accountId !== null) query = query.where('account_id', '=', accountId);
  const rows = await query.orderBy('created_at_ms', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(rowToDeployment);
}

/** The deployments not stopped (running or paused), in id order after `afterId`, at most `limit`. */
export async function listLiveDeployments(db: Kysely<Database>, afterId: string, limit: number): Promise<Deployment[]> {
  const rows = await db
    .selectFrom('deployments')
    .selectAll()
    .where('status', '<>', 'stopped')
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(rowToDeployment);
}

/** Locks the deployment's row for this transaction: its status and hours change under the lock only. */
export async function lockDeploymentById(trx: Trx, id: string): Promise<Deployment | null> {
  const row = await withRowLock(trx, trx.selectFrom('deployments').selectAll().where('id', '=', id)).executeTakeFirst();
  return row ? rowToDeployment(row) : null;
}

export async function setDeploymentStatus(trx: Trx, id: string, status: DeploymentStatus, changes: { pausedAtMs?: number | null; stoppedAtMs?: number }, nowMs: number): Promise<void> {
  await trx
    .updateTable('deployments')
    .set({
      status,
      updated_at_ms: BigInt(nowMs),
      ...(changes.pausedAtMs !== undefined ? { paused_at_ms: changes.pausedAtMs === null ? null : BigInt(changes.pausedAtMs) } : {}),
      ...(changes.stoppedAtMs !== undefined ? { stopped_at_ms: BigInt(changes.stoppedAtMs) } : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function accountStatusOf(db: Kysely<Database>, accountId: string): Promise<'active' | 'suspended' | 'closed' | null> {
  const row = await db.selectFrom('accounts').select('status').where('id', '=', accountId).executeTakeFirst();
  return row?.status ?? null;
}

/** Inserts it unless the account already has a live deployment of the model (false then). */
export async function insertDeployment(trx: Trx, deployment: Deployment, nowMs: number): Promise<boolean> {
  const now = BigInt(nowMs);
  const inserted = await trx
    .insertInto('deployments')
    .values({
      id: deployment.id,
      account_id: deployment.accountId,
      model: deployment.model,
      instance_type: deployment.instanceType,
      upstream_url: deployment.upstreamUrl,
      per_hour_micros: deployment.perHourMicros,
      status: 'running',
      started_at_ms: now,
      paused_at_ms: null,
      stopped_at_ms: null,
      created_at_ms: now,
      updated_at_ms: now,
    })
    // The partial unique index deployments_live_model_idx: a concurrent start of the same model
    // waits for the first, then finds it. Its predicate is written as the index's (SQLite matches
    // the conflict target's WHERE to the index by text, and a bound parameter never matches).
    .onConflict((conflict) => conflict.columns(['account_id', 'model']).where(sql<boolean>`status <> 'stopped'`).doNothing())
    .returning('id')
    .execute();
  return inserted.length === 1;
}

/** Billed hours and their sum for each of these deployments (absent ones billed nothing). */
export async function billedOf(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, DeploymentBilled>> {
  const billed = new Map<string, DeploymentBilled>();
  if (ids.length === 0) return billed;
  const rows = await db
    .selectFrom('deployment_hours')
    .select(['deployment_id', sql<bigint>`COUNT(*)`.as('hours'), sql<bigint>`SUM(amount_micros)`.as('charged')])
    .where('deployment_id', 'in', [...ids])
    .groupBy('deployment_id')
    .execute();
  for (const row of rows) billed.set(row.deployment_id, { hours: Number(row.hours), chargedMicros: BigInt(row.charged) });
  return billed;
}
