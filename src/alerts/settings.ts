// The table alert_settings: an account's webhook (URL and signing secret) and which alerts it
// wants (a low-balance threshold, daily and weekly summaries, a deployment-cost amount; null or
// false: off). Plain functions over the db handle; PUT's checks are in configure.ts.
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { AlertSettingsTable, Database } from '../db/schema';

export interface AlertSettings {
  accountId: string;
  webhookUrl: string | null;
  webhookSecret: string | null;
  lowBalanceThresholdMicros: bigint | null;
  /** The next downward crossing of the threshold fires (false: it fired, and the balance is still below). */
  lowBalanceArmed: boolean;
  dailySummary: boolean;
  weeklySummary: boolean;
  deploymentCostMicros: bigint | null;
}

const nullableBigint = (value: bigint | number | null) => (value === null ? null : BigInt(value));

function rowToSettings(row: Selectable<AlertSettingsTable>): AlertSettings {
  return {
    accountId: row.account_id,
    webhookUrl: row.webhook_url,
    webhookSecret: row.webhook_secret,
    lowBalanceThresholdMicros: nullableBigint(row.low_balance_threshold_micros),
    lowBalanceArmed: Number(row.low_balance_armed) === 1,
    dailySummary: Number(row.daily_summary) === 1,
    weeklySummary: Number(row.weekly_summary) === 1,
    deploymentCostMicros: nullableBigint(row.deployment_cost_micros),
  };
}

/** The settings of an account that never set any: every alert off, no webhook. */
export function defaultAlertSettings(accountId: string): AlertSettings {
  return { accountId, webhookUrl: null, webhookSecret: null, lowBalanceThresholdMicros: null, lowBalanceArmed: true, dailySummary: false, weeklySummary: false, deploymentCostMicros: null };
}

export async function getAlertSettings(db: Kysely<Database>, accountId: string): Promise<AlertSettings> {
  const row = await db.selectFrom('alert_settings').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  return row ? rowToSettings(row) : defaultAlertSettings(accountId);
}

export async function getWebhookSecret(db: Kysely<Database>, accountId: string): Promise<string | null> {
  const row = await db.selectFrom('alert_settings').select('webhook_secret').where('account_id', '=', accountId).executeTakeFirst();
  return row?.webhook_secret ?? null;
}

/** Writes the whole settings row (made on first use). */
export async function saveAlertSettings(db: Kysely<Database>, settings: AlertSettings, nowMs: number): Promise<void> {
  const values = {
    webhook_url: settings.webhookUrl,
    webhook_secret: settings.webhookSecret,
    low_balance_threshold_micros: settings.lowBalanceThresholdMicros,
    low_balance_armed: settings.lowBalanceArmed ? 1 : 0,
    daily_summary: settings.dailySummary ? 1 : 0,
    weekly_summary: settings.weeklySummary ? 1 : 0,
    deployment_cost_micros: settings.deploymentCostMicros,
    updated_at_ms: BigInt(nowMs),
  } satisfies Updateable<AlertSettingsTable>;
  await db
    .insertInto('alert_settings')
    .values({ account_id: settings.accountId, ...values })
    .onConflict((conflict) => conflict.column('account_id').doUpdateSet(values))
    .execute();
}
