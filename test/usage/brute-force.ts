// The cost console's figures recomputed the slow, obvious way (acceptance 3 of issue 12): from
// every raw usage record and billed deployment hour of the account, bucketed by ISO date strings,
// with none of src/usage's code. GET /console/usage must answer exactly this.
import { expect } from 'bun:test';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema';
import { formatMicros } from '../../src/shared/money';

const DAY_MS = 86_400_000;
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n);
const byCostThenName = (a: { costMicros: bigint; name: string }, b: { costMicros: bigint; name: string }) => (a.costMicros !== b.costMicros ? (a.costMicros > b.costMicros ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export async function bruteForceReport(db: Kysely<Database>, accountId: string, days: number, nowMs: number, balance: Record<string, string>) {
  const columns = ['id', 'request_id', 'model', 'endpoint', 'upstream', 'prompt_tokens', 'completion_tokens', 'cost_micros', 'created_at_ms'] as const;
  const records = (await db.selectFrom('usage_records').select(columns).where('account_id', '=', accountId).execute()).map((row) => ({ ...row, ms: Number(row.created_at_ms), day: date(Number(row.created_at_ms)), cost: BigInt(row.cost_micros) }));
  const hours = (await db.selectFrom('deployment_hours').selectAll().where('account_id', '=', accountId).execute()).map((row) => ({ ...row, ms: Number(row.charged_at_ms), day: date(Number(row.charged_at_ms)), cost: BigInt(row.amount_micros) }));
  const deployments = await db.selectFrom('deployments').selectAll().where('account_id', '=', accountId).execute();
  const windowDates = Array.from({ length: days }, (_, i) => date(nowMs - (days - 1 - i) * DAY_MS));
  const previousDates = Array.from({ length: days }, (_, i) => date(nowMs - (2 * days - 1 - i) * DAY_MS));
  const spendOn = (dates: string[]) => sum([...records.filter((r) => dates.includes(r.day)).map((r) => r.cost), ...hours.filter((h) => dates.includes(h.day)).map((h) => h.cost)]);
  const inWindow = (row: { day: string }) => windowDates.includes(row.day);

  const now = new Date(nowMs);
  const monthStartMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const monthEndMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const monthPrefix = date(nowMs).slice(0, 7);
  const spent = sum([...records.filter((r) => r.day.startsWith(monthPrefix)).map((r) => r.cost), ...hours.filter((h) => h.day.startsWith(monthPrefix)).map((h) => h.cost)]);
  const lastWeek = Array.from({ length: 7 }, (_, i) => date(nowMs - (7 - i) * DAY_MS));
  const projected = spent + (spendOn(lastWeek) * BigInt(monthEndMs - nowMs)) / BigInt(7 * DAY_MS);
  const cost = spendOn(windowDates);
  const previous = spendOn(previousDates);

  const windowRecords = records.filter(inWindow);
  const tokens = (list: typeof records) => ({ requests: list.length, prompt_tokens: Number(sum(list.map((r) => BigInt(r.prompt_tokens)))), completion_tokens: Number(sum(list.map((r) => BigInt(r.completion_tokens)))) });
  const models = [...new Set(windowRecords.map((r) => r.model))].map((model) => {
    const list = windowRecords.filter((r) => r.model === model);
    return { name: model, costMicros: sum(list.map((r) => r.cost)), json: { model, ...tokens(list), cost: formatMicros(sum(list.map((r) => r.cost))) } };
  });
  const byDeployment = deployments
    .map((deployment) => {
      const billed = hours.filter((h) => h.deployment_id === deployment.id && inWindow(h));
      const served = windowRecords.filter((r) => r.upstream === deployment.id).length;
      const costMicros = sum(billed.map((h) => h.cost));
      return { name: deployment.id, costMicros, billed: billed.length, served, json: { id: deployment.id, model: deployment.model, instance_type: deployment.instance_type, status: deployment.status, hours: billed.length, requests: served, cost: formatMicros(costMicros) } };
    })
    .filter((entry) => entry.billed > 0 || entry.served > 0)
    .sort(byCostThenName);
  const underused = byDeployment
    .filter((entry) => entry.json.status !== 'stopped' && entry.billed > 0 && entry.served < entry.billed * 6)
    .map((entry) => ({ entry, perHour: Math.trunc((entry.served * 100) / entry.billed) / 100 }))
    .sort((a, b) => a.perHour - b.perHour || (a.entry.name < b.entry.name ? -1 : 1))
    .map(({ entry, perHour }) => ({ id: entry.name, model: entry.json.model, hours: entry.billed, requests: entry.served, requests_per_hour: perHour, suggestion: expect.any(String) }));
  const top = windowRecords
    .filter((r) => r.cost > 0n)
    .sort((a, b) => (a.cost !== b.cost ? (a.cost > b.cost ? -1 : 1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, 10);
  return {
    object: 'usage_report' as const,
    account_id: accountId,
    days,
    from: windowDates[0]!,
    to: windowDates.at(-1)!,
    balance: { total: balance.balance!, paid: balance.paid!, promo: balance.promo!, reserved: balance.reserved! },
    month: { start: date(monthStartMs), spent: formatMicros(spent), projected: formatMicros(projected), method: expect.any(String) },
    trend: { cost: formatMicros(cost), previous_cost: formatMicros(previous), change_percent: previous === 0n ? null : Math.trunc(Number(((cost - previous) * 10_000n) / previous)) / 100 },
    daily: windowDates.map((day) => {
      const list = records.filter((r) => r.day === day);
      const tokensCost = sum(list.map((r) => r.cost));
      const deploymentsCost = sum(hours.filter((h) => h.day === day).map((h) => h.cost));
      return { date: day, ...tokens(list), tokens_cost: formatMicros(tokensCost), deployments_cost: formatMicros(deploymentsCost), cost: formatMicros(tokensCost + deploymentsCost) };
    }),
    by_model: models.sort(byCostThenName).map((entry) => entry.json),
    by_deployment: byDeployment.map((entry) => entry.json),
    top_requests: top.map((r) => ({ request_id: r.request_id, created_at: new Date(r.ms).toISOString(), model: r.model, endpoint: r.endpoint, prompt_tokens: Number(r.prompt_tokens), completion_tokens: Number(r.completion_tokens), cost: formatMicros(r.cost) })),
    underused_deployments: underused,
  };
}
