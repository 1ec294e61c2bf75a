// Daily and weekly spend summaries, on the UTC calendar: after midnight, each account that asked
// gets the previous day's spend (and on Mondays, the previous ISO week's): its requests'
// cost from the usage_daily rollups plus its deployments' billed hours. Each summary's dedupe
// key (kind, account, first day) makes it one alert per period, whatever restarts or replicas
// run the job again.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { formatMicros } from '../shared/money';
import { recordAlert } from './service';

export const DAY_MS = 86_400_000;

export interface Period {
  kind: 'daily_summary' | 'weekly_summary';
  /** Day indexes (floor(ms / 86400000)), start inclusive, end exclusive. */
  startDay: number;
  endDay: number;
}

/** The periods that ended by `nowMs`: yesterday, and the last whole ISO week (Monday to Sunday). */
export function endedPeriods(nowMs: number): Period[] {
  const today = Math.floor(nowMs / DAY_MS);
  // Day 0 (1970-01-01) was a Thursday: (day + 3) % 7 counts the days since Monday.
  const thisMonday = today - ((today + 3) % 7);
  return [
    { kind: 'daily_summary', startDay: today - 1, endDay: today },
    { kind: 'weekly_summary', startDay: thisMonday - 7, endDay: thisMonday },
  ];
}

const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const summaryKey = (period: Period, accountId: string) => `${period.kind}:${accountId}:${period.startDay}`;

/** Records the period's summary for accounts that asked for it and do not have it yet; answers how many. */
export async function sendSummaries(db: Kysely<Database>, period: Period, nowMs: number, limit: number): Promise<number> {
  const column = period.kind === 'daily_summary' ? 'daily_summary' : 'weekly_summary';
  const prefix = `${period.kind}:`;
  const suffix = `:${period.startDay}`;
  const rows = await db
    .selectFrom('alert_settings')
    .select('account_id')
    .where(column, '=', 1)
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('alerts').select('alerts.id').where(sql<boolean>`alerts.dedupe_key = cast(${prefix} as text) || alert_settings.account_id || cast(${suffix} as text)`))),
    )
    .orderBy('account_id')
    .limit(limit)
    .execute();
  let sent = 0;
  for (const { account_id: accountId } of rows) sent += (await sendSummary(db, period, accountId, nowMs)) ? 1 : 0;
  return sent;
}

async function sendSummary(db: Kysely<Database>, period: Period, accountId: string, nowMs: number): Promise<boolean> {
  const usage = await db
    .selectFrom('usage_daily')
    .select((eb) => [eb.fn.sum<string | number | bigint>('cost_micros').as('cost'), eb.fn.sum<string | number | bigint>('requests').as('requests')])
    .where('account_id', '=', accountId)
    .where('day_index', '>=', BigInt(period.startDay))
    .where('day_index', '<', BigInt(period.endDay))
    .executeTakeFirst();
  const hours = await db
    .selectFrom('deployment_hours')
    .select((eb) => [eb.fn.sum<string | number | bigint>('amount_micros').as('cost'), eb.fn.countAll<string | number | bigint>().as('hours')])
    .where('account_id', '=', accountId)
    .where('charged_at_ms', '>=', BigInt(period.startDay * DAY_MS))
    .where('charged_at_ms', '<', BigInt(period.endDay * DAY_MS))
    .executeTakeFirst();
  const usageMicros = BigInt(usage?.cost ?? 0);
  const deploymentMicros = BigInt(hours?.cost ?? 0);
  const spend = formatMicros(usageMicros + deploymentMicros);
  const label = period.kind === 'daily_summary' ? `on ${isoDay(period.startDay)}` : `in the week of ${isoDay(period.startDay)} to ${isoDay(period.endDay - 1)}`;
  const data = {
    period_start: isoDay(period.startDay),
    period_end: isoDay(period.endDay),
    spend,
    usage_spend: formatMicros(usageMicros),
    deployment_spend: formatMicros(deploymentMicros),
    requests: Number(usage?.requests ?? 0),
    deployment_hours: Number(hours?.hours ?? 0),
  };
  const message = `Spend ${label} (UTC): ${spend} credits (${data.usage_spend} on ${data.requests} requests, ${data.deployment_spend} on ${data.deployment_hours} deployment hours).`;
  const id = await db.transaction().execute((trx) => recordAlert(trx, { accountId, kind: period.kind, message, data, dedupeKey: summaryKey(period, accountId) }, nowMs));
  return id !== null;
}
