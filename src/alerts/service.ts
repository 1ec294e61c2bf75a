// Alerts: what an account's owner or the operator should hear about (auto-refill turned off, a
// dispute opened, a refund Stripe refused, a low balance, the day's spend). `recordAlert` is the
// one way an alert is raised: in the transaction that decided it, it records the alert and
// enqueues its deliveries (the account's webhook, its email) in the outbox (outbox.ts), which
// the delivery worker (deliverer.ts) sends after the commit.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { newId } from '../shared/ids';
import { enqueueDeliveries } from './outbox';

export type AlertKind =
  | 'auto_refill_disabled'
  | 'auto_refill_authentication_required'
  | 'dispute_opened'
  | 'dispute_closed'
  | 'refund_failed'
  // Issue 12: raised by the deployment biller and the alert evaluator (src/alerts).
  | 'low_balance'
  | 'daily_summary'
  | 'weekly_summary'
  | 'deployment_cost'
  | 'deployment_paused'
  | 'deployment_resumed';

/** An alert's facts for a webhook's receiver: JSON values, amounts as decimal strings of credits. */
export type AlertData = Record<string, string | number | boolean | null>;

export interface Alert {
  id: string;
  accountId: string;
  kind: AlertKind;
  message: string;
  data: AlertData;
  createdAtMs: number;
}

export interface AlertInput {
  accountId: string;
  kind: AlertKind;
  message: string;
  data?: AlertData;
  /** When set, an alert with the same key is recorded once (a period's summary, a deployment's cost). */
  dedupeKey?: string;
}

/**
 * Records the alert and enqueues its deliveries, on `db` (a transaction, when the caller has
 * one: then both commit or neither does). Answers the alert's id, or null when an alert with
 * the same dedupe key exists already.
 */
export async function recordAlert(db: Kysely<Database>, input: AlertInput, nowMs: number): Promise<string | null> {
  const id = newId('alert');
  const inserted = await db
    .insertInto('alerts')
    .values({
      id,
      account_id: input.accountId,
      kind: input.kind,
      message: input.message,
      data: input.data === undefined ? null : JSON.stringify(input.data),
      dedupe_key: input.dedupeKey ?? null,
      created_at_ms: BigInt(nowMs),
    })
    .onConflict((conflict) => conflict.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return null;
  await enqueueDeliveries(db, { alertId: id, accountId: input.accountId }, nowMs);
  return id;
}

/** The account's alerts, oldest first (at most `limit`). */
export async function listAlerts(db: Kysely<Database>, accountId: string, limit = 100): Promise<Alert[]> {
  const rows = await db.selectFrom('alerts').selectAll().where('account_id', '=', accountId).orderBy('created_at_ms').orderBy('id').limit(limit).execute();
  return rows.map(rowToAlert);
}

/** The account's latest alerts, newest first (at most `limit`). */
export async function listRecentAlerts(db: Kysely<Database>, accountId: string, limit: number): Promise<Alert[]> {
  const rows = await db.selectFrom('alerts').selectAll().where('account_id', '=', accountId).orderBy('created_at_ms', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(rowToAlert);
}

export async function getAlert(db: Kysely<Database>, id: string): Promise<Alert> {
  return rowToAlert(await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
}

function rowToAlert(row: { id: string; account_id: string; kind: string; message: string; data: string | null; created_at_ms: bigint }): Alert {
  return {
    id: row.id,
    accountId: row.account_id,
    kind: row.kind as AlertKind,
    message: row.message,
    data: row.data === null ? {} : (JSON.parse(row.data) as AlertData),
    createdAtMs: Number(row.created_at_ms),
  };
}
