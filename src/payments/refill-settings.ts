// The table auto_refill_settings: an account's auto-refill (on or off, threshold, amount), the
// card it charges, and the state of its failures. Plain functions over the db handle; the
// decisions that change the failure state are in refill-outcome.ts.
import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import { withRowLock } from '../db/dialect';
import type { AutoRefillSettingsTable, Database } from '../db/schema';

export type DisabledReason = NonNullable<AutoRefillSettingsTable['disabled_reason']>;

export interface RefillSettings {
  accountId: string;
  enabled: boolean;
  thresholdMicros: bigint;
  amountMicros: bigint;
  /** The saved card refills are charged to. */
  paymentMethodId: string | null;
  consecutiveFailures: number;
  /** No attempt starts before this moment (back-off after a decline). */
  retryAfterMs: number | null;
  disabledReason: DisabledReason | null;
  actionRequired: 'authentication_required' | null;
  actionUrl: string | null;
  actionUrlExpiresAtMs: number | null;
}

const nullableNumber = (value: bigint | null) => (value === null ? null : Number(value));

function rowToSettings(row: Selectable<AutoRefillSettingsTable>): RefillSettings {
  return {
    accountId: row.account_id,
    enabled: Number(row.enabled) === 1,
    thresholdMicros: BigInt(row.threshold_micros),
    amountMicros: BigInt(row.amount_micros),
    paymentMethodId: row.stripe_payment_method_id,
    consecutiveFailures: Number(row.consecutive_failures),
    retryAfterMs: nullableNumber(row.retry_after_ms),
    disabledReason: row.disabled_reason,
    actionRequired: row.action_required,
    actionUrl: row.action_url,
    actionUrlExpiresAtMs: nullableNumber(row.action_url_expires_at_ms),
  };
}

/** The settings of an account that never set any: off, and no card. */
export function defaultSettings(accountId: string): RefillSettings {
  return {
    accountId,
    enabled: false,
    thresholdMicros: 0n,
    amountMicros: 0n,
    paymentMethodId: null,
    consecutiveFailures: 0,
    retryAfterMs: null,
    disabledReason: null,
    actionRequired: null,
    actionUrl: null,
    actionUrlExpiresAtMs: null,
  };
}

export async function getSettings(db: Kysely<Database>, accountId: string): Promise<RefillSettings> {
  const row = await db.selectFrom('auto_refill_settings').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  return row ? rowToSettings(row) : defaultSettings(accountId);
}

/** Locks the account's settings row for this transaction, creating it (off) on first use. */
export async function lockSettingsById(trx: Transaction<Database>, accountId: string, nowMs: number): Promise<RefillSettings> {
  await trx
    .insertInto('auto_refill_settings')
    .values({ account_id: accountId, updated_at_ms: BigInt(nowMs) })
    .onConflict((conflict) => conflict.column('account_id').doNothing())
    .execute();
  const row = await withRowLock(trx, trx.selectFrom('auto_refill_settings').selectAll().where('account_id', '=', accountId)).executeTakeFirstOrThrow();
  return rowToSettings(row);
}

export type SettingsChange = Partial<Omit<RefillSettings, 'accountId'>>;

/** Writes the fields of `change`; the row must exist (lockSettingsById made it). */
export async function updateSettings(trx: Transaction<Database>, accountId: string, change: SettingsChange, nowMs: number): Promise<void> {
  const set: Updateable<AutoRefillSettingsTable> = { updated_at_ms: BigInt(nowMs) };
  const big = (value: number | null) => (value === null ? null : BigInt(value));
  if (change.enabled !== undefined) set.enabled = change.enabled ? 1 : 0;
  if (change.thresholdMicros !== undefined) set.threshold_micros = change.thresholdMicros;
  if (change.amountMicros !== undefined) set.amount_micros = change.amountMicros;
  if (change.paymentMethodId !== undefined) set.stripe_payment_method_id = change.paymentMethodId;
  if (change.consecutiveFailures !== undefined) set.consecutive_failures = BigInt(change.consecutiveFailures);
  if (change.retryAfterMs !== undefined) set.retry_after_ms = big(change.retryAfterMs);
  if (change.disabledReason !== undefined) set.disabled_reason = change.disabledReason;
  if (change.actionRequired !== undefined) set.action_required = change.actionRequired;
  if (change.actionUrl !== undefined) set.action_url = change.actionUrl;
  if (change.actionUrlExpiresAtMs !== undefined) set.action_url_expires_at_ms = big(change.actionUrlExpiresAtMs);
  await trx.updateTable('auto_refill_settings').set(set).where('account_id', '=', accountId).execute();
}

/**
 * Remembers the card the account's refills are charged to, from a payment or a setup made for
 * off-session use. A new card answers an "authenticate again" request, so that is cleared; the
 * refill itself stays as it is (one turned off stays off until its owner turns it on).
 */
export async function rememberPaymentMethod(trx: Transaction<Database>, accountId: string, paymentMethodId: string, nowMs: number): Promise<void> {
  await lockSettingsById(trx, accountId, nowMs);
  await updateSettings(trx, accountId, { paymentMethodId, actionRequired: null, actionUrl: null, actionUrlExpiresAtMs: null }, nowMs);
}

/** Accounts that wait for a page to authenticate their card again, whose page is missing or expired. */
export async function listMissingActionPages(db: Kysely<Database>, nowMs: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('auto_refill_settings')
    .select('account_id')
    .where('action_required', '=', 'authentication_required')
    .where((eb) => eb.or([eb('action_url', 'is', null), eb('action_url_expires_at_ms', '<=', BigInt(nowMs))]))
    .limit(limit)
    .execute();
  return rows.map((row) => row.account_id);
}
