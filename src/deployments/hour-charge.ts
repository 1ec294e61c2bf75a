// One billed clock hour: the ledger charge keyed (deployment, hour) and the deployment_hours row
// (primary key (deployment, hour)), written together in the caller's transaction, which holds the
// deployment's row lock: an hour is charged once however many passes or replicas bill it.
import { sql } from 'kysely';
import { ApiError } from '../errors';
import * as ledger from '../ledger/service';
import { HOUR_MS, type Deployment } from './model';
import type { Trx } from './store';

/** How long a refused hour waits for gateway leases to give back the credit they hold unspent. */
export const LEASE_RECLAIM_WAIT_MS = 2000;

/** Charges one hour of the deployment. Throws 402 insufficient_credits (nothing written) when the wallet cannot pay it. */
export async function chargeHour(trx: Trx, deployment: Deployment, hourIndex: number, nowMs: number): Promise<void> {
  const charge = await ledger.chargeWallet(
    trx,
    {
      accountId: deployment.accountId,
      amountMicros: deployment.perHourMicros,
      idempotencyKey: `deployment:${deployment.id}:hour:${hourIndex}`,
      memo: `deployment ${deployment.id} (${deployment.model}, ${deployment.instanceType}) hour ${new Date(hourIndex * HOUR_MS).toISOString()}`,
    },
    nowMs,
  );
  await trx
    .insertInto('deployment_hours')
    .values({
      deployment_id: deployment.id,
      hour_index: BigInt(hourIndex),
      account_id: deployment.accountId,
      amount_micros: charge.chargedMicros,
      transaction_id: charge.transactionId,
      charged_at_ms: BigInt(nowMs),
    })
    .execute();
}

/** Charges the hour; false when the wallet cannot pay it (nothing written then). */
export async function chargeOrRefused(trx: Trx, deployment: Deployment, hourIndex: number, nowMs: number): Promise<boolean> {
  try {
    await chargeHour(trx, deployment, hourIndex, nowMs);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'insufficient_credits') return false;
    throw error;
  }
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
