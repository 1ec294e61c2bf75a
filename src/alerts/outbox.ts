// The table alert_deliveries: one row per alert and channel (the account's webhook, its email),
// written in the alert's transaction, then claimed, delivered and marked by the worker
// (deliverer.ts). A claim moves next_attempt_at_ms past the attempt's longest run, so another
// replica leaves the row alone, and takes it up after then if this process died.
import type { Kysely, Updateable } from 'kysely';
import type { AlertChannel, AlertDeliveriesTable, AlertDeliveryStatus, Database } from '../db/schema';
import { newId } from '../shared/ids';

export interface Delivery {
  id: string;
  alertId: string;
  accountId: string;
  channel: AlertChannel;
  target: string;
  status: AlertDeliveryStatus;
  attempts: number;
  nextAttemptAtMs: number | null;
  lastError: string | null;
  deliveredAtMs: number | null;
  createdAtMs: number;
}

/** Enqueues the alert's deliveries: to the account's webhook if it set one, to its email if it has one. */
export async function enqueueDeliveries(db: Kysely<Database>, alert: { alertId: string; accountId: string }, nowMs: number): Promise<void> {
  const row = await db
    .selectFrom('accounts')
    .leftJoin('alert_settings', 'alert_settings.account_id', 'accounts.id')
    .select(['accounts.email', 'alert_settings.webhook_url'])
    .where('accounts.id', '=', alert.accountId)
    .executeTakeFirst();
  const targets: { channel: AlertChannel; target: string }[] = [];
  if (row?.webhook_url) targets.push({ channel: 'webhook', target: row.webhook_url });
  if (row?.email) targets.push({ channel: 'email', target: row.email });
  if (targets.length === 0) return;
  await db
    .insertInto('alert_deliveries')
    .values(
      targets.map(({ channel, target }) => ({
        // "msg_": the Standard Webhooks example's prefix; it is the webhook-id of every attempt.
        id: newId('msg'),
        alert_id: alert.alertId,
        account_id: alert.accountId,
        channel,
        target,
        status: 'pending' as const,
        attempts: 0n,
        next_attempt_at_ms: BigInt(nowMs),
        last_error: null,
        delivered_at_ms: null,
        created_at_ms: BigInt(nowMs),
      })),
    )
    .execute();
}

/** Ids of deliveries due for an attempt, oldest first. */
export async function listDueDeliveries(db: Kysely<Database>, nowMs: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('alert_deliveries')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at_ms', '<=', BigInt(nowMs))
    .orderBy('next_attempt_at_ms')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

/** Takes a delivery for one attempt until `claimUntilMs`; answers it (attempts counting this one), or null if taken. */
export async function claimDelivery(db: Kysely<Database>, id: string, nowMs: number, claimUntilMs: number): Promise<Delivery | null> {
  // One statement: the claim and the attempt's number it answers cannot be split by another claim.
  const row = await db
    .updateTable('alert_deliveries')
    .set((eb) => ({ attempts: eb('attempts', '+', 1n), next_attempt_at_ms: BigInt(claimUntilMs) }))
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('next_attempt_at_ms', '<=', BigInt(nowMs))
    .returningAll()
    .executeTakeFirst();
  return row ? rowToDelivery(row) : null;
}

export type DeliveryEnd =
  | { status: 'delivered'; nowMs: number }
  | { status: 'failed' | 'skipped'; error: string }
  | { status: 'pending'; error: string; retryAtMs: number };

/** Records the attempt's end, if the claim is still this attempt's (not run out and taken by another). */
export async function finishAttempt(db: Kysely<Database>, delivery: Delivery, end: DeliveryEnd): Promise<void> {
  const values: Updateable<AlertDeliveriesTable> =
    end.status === 'delivered'
      ? { status: 'delivered', delivered_at_ms: BigInt(end.nowMs), next_attempt_at_ms: null, last_error: null }
      : end.status === 'pending'
        ? { status: 'pending', next_attempt_at_ms: BigInt(end.retryAtMs), last_error: end.error }
        : { status: end.status, next_attempt_at_ms: null, last_error: end.error };
  await db
    .updateTable('alert_deliveries')
    .set(values)
    .where('id', '=', delivery.id)
    .where('status', '=', 'pending')
    .where('attempts', '=', BigInt(delivery.attempts))
    .execute();
}

/** The deliveries of these alerts. */
export async function listDeliveriesOf(db: Kysely<Database>, alertIds: readonly string[]): Promise<Delivery[]> {
  if (alertIds.length === 0) return [];
  const rows = await db.selectFrom('alert_deliveries').selectAll().where('alert_id', 'in', [...alertIds]).orderBy('created_at_ms').orderBy('id').execute();
  return rows.map(rowToDelivery);
}

const nullableNumber = (value: bigint | null) => (value === null ? null : Number(value));

function rowToDelivery(row: {
  id: string; alert_id: string; account_id: string; channel: AlertChannel; target: string; status: AlertDeliveryStatus;
  attempts: bigint; next_attempt_at_ms: bigint | null; last_error: string | null; delivered_at_ms: bigint | null; created_at_ms: bigint;
}): Delivery {
  return {
    id: row.id,
    alertId: row.alert_id,
    accountId: row.account_id,
    channel: row.channel,
    target: row.target,
    status: row.status,
    attempts: Number(row.attempts),
    nextAttemptAtMs: nullableNumber(row.next_attempt_at_ms),
    lastError: row.last_error,
    deliveredAtMs: nullableNumber(row.delivered_at_ms),
    createdAtMs: Number(row.created_at_ms),
  };
}
