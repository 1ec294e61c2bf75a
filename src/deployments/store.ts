// The tables deployments and deployment_hours: reads, and the row writes the service and the
// biller make inside their transactions. Money never moves here (src/ledger does that).
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

/** The last clock hour billed, or null before the first. */
export async function lastBilledHour(trx: Trx, id: string): Promise<number | null> {
  const row = await trx.selectFrom('deployment_hours').select(sql<bigint | null>`MAX(hour_index)`.as('hour')).where('deployment_id', '=', id).executeTakeFirst();
  return row?.hour === null || row?.hour === undefined ? null : Number(row.hour);
}

export async function hourIsBilled(trx: Trx, id: string, hourIndex: number): Promise<boolean> {
  const row = await trx.selectFrom('deployment_hours').select('hour_index').where('deployment_id', '=', id).where('hour_index', '=', BigInt(hourIndex)).executeTakeFirst();
  return row !== undefined;
}

export async function insertBilledHour(
  trx: Trx,
  hour: { deploymentId: string; hourIndex: number; accountId: string; amountMicros: bigint; transactionId: string },
  nowMs: number,
): Promise<void> {
  await trx
    .insertInto('deployment_hours')
    .values({
      deployment_id: hour.deploymentId,
      hour_index: BigInt(hour.hourIndex),
      account_id: hour.accountId,
      amount_micros: hour.amountMicros,
      transaction_id: hour.transactionId,
      charged_at_ms: BigInt(nowMs),
    })
    .execute();
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
