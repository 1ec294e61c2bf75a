// Alerts: what an account's owner or the operator should hear about (auto-refill turned off, a
// dispute opened, a refund Stripe refused). They are recorded here, in the transaction that
// decided them; issue 12 delivers them (signed webhooks, email) and lists them in the console.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { newId } from '../shared/ids';

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

export interface Alert {
  id: string;
  accountId: string;
  kind: AlertKind;
  message: string;
  createdAtMs: number;
}

export async function recordAlert(db: Kysely<Database>, input: { accountId: string; kind: AlertKind; message: string }, nowMs: number): Promise<void> {
  await db
    .insertInto('alerts')
    .values({ id: newId('alert'), account_id: input.accountId, kind: input.kind, message: input.message, created_at_ms: BigInt(nowMs) })
    .execute();
}

/** The account's alerts, oldest first (at most `limit`). */
export async function listAlerts(db: Kysely<Database>, accountId: string, limit = 100): Promise<Alert[]> {
  const rows = await db.selectFrom('alerts').selectAll().where('account_id', '=', accountId).orderBy('created_at_ms').orderBy('id').limit(limit).execute();
  return rows.map((row) => ({ id: row.id, accountId: row.account_id, kind: row.kind as AlertKind, message: row.message, createdAtMs: Number(row.created_at_ms) }));
}
