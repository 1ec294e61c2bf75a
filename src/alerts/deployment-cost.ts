// The deployment-cost alert: once a deployment's billed hours add up to the account's set
// amount, one alert for that deployment (its dedupe key names the deployment and the amount, so
// raising the amount later alerts again when the new one is reached).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { formatMicros } from '../shared/money';
import { recordAlert } from './service';

/** Records the alert of each deployment (of `accountIds`, or all) that reached its account's amount; answers how many. */
export async function evaluateDeploymentCost(db: Kysely<Database>, accountIds: readonly string[] | null, nowMs: number, limit: number): Promise<number> {
  if (accountIds !== null && accountIds.length === 0) return 0;
  let query = db
    .selectFrom('deployment_hours as h')
    .innerJoin('alert_settings as s', 's.account_id', 'h.account_id')
    .innerJoin('deployments as d', 'd.id', 'h.deployment_id')
    .select((eb) => ['h.deployment_id', 'h.account_id', 'd.model', 's.deployment_cost_micros', eb.fn.sum<string | number | bigint>('h.amount_micros').as('total')])
    .where('s.deployment_cost_micros', 'is not', null)
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('alerts').select('alerts.id').where(sql<boolean>`alerts.dedupe_key = cast(${'deployment_cost:'} as text) || h.deployment_id || cast(${':'} as text) || cast(s.deployment_cost_micros as text)`))),
    )
    .groupBy(['h.deployment_id', 'h.account_id', 'd.model', 's.deployment_cost_micros'])
    .having((eb) => eb(eb.fn.sum('h.amount_micros'), '>=', eb.ref('s.deployment_cost_micros')))
    .orderBy('h.deployment_id')
    .limit(limit);
  if (accountIds !== null) query = query.where('h.account_id', 'in', [...accountIds]);
  let fired = 0;
  for (const row of await query.execute()) {
    const amountMicros = BigInt(row.deployment_cost_micros!);
    const spend = formatMicros(BigInt(row.total));
    const amount = formatMicros(amountMicros);
    const message = `Deployment ${row.deployment_id} (${row.model}) has been billed ${spend} credits, reaching the deployment-cost alert's ${amount}.`;
    const data = { deployment_id: row.deployment_id, model: row.model, spend, amount };
    const dedupeKey = `deployment_cost:${row.deployment_id}:${amountMicros}`;
    const id = await db.transaction().execute((trx) => recordAlert(trx, { accountId: row.account_id, kind: 'deployment_cost', message, data, dedupeKey }, nowMs));
    if (id !== null) fired++;
  }
  return fired;
}
