// The cost console's figures (GET /console/usage): plain functions over the rollups. Every
// figure is summed from usage_daily (token-billed requests) and deployment_hours (billed hours),
// read as small indexed ranges of the account (report-read.ts); never a scan of usage_records.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { deploymentFigures, type DeploymentCost, type UnderusedDeployment } from './report-deployments';
import { readDailyRollups, readDeploymentDays, readExpensiveRequests, type DailyRollup, type DeploymentDay, type ExpensiveRequest } from './report-read';
import { daysOf, inRange, PROJECTION_DAYS, reportCalendar, type DayRange, type ReportCalendar, type ReportDays } from './report-window';
import { MS_PER_DAY } from './rollup';

export const PROJECTION_METHOD =
  'spent this month so far + the average daily spend of the 7 full UTC days before today × the time left in the month (from now to its end)';

export interface UsageTotals {
  requests: bigint;
  promptTokens: bigint;
  completionTokens: bigint;
  costMicros: bigint;
}

export interface DailyPoint extends UsageTotals {
  day: bigint;
  deploymentsCostMicros: bigint;
}

export interface UsageReport {
  accountId: string;
  calendar: ReportCalendar;
  month: { spentMicros: bigint; projectedMicros: bigint; method: string };
  trend: { costMicros: bigint; previousCostMicros: bigint; changePercent: number | null };
  /** Per day of the window; costMicros is the token-billed part. */
  daily: DailyPoint[];
  byModel: (UsageTotals & { model: string })[];
  byDeployment: DeploymentCost[];
  topRequests: ExpensiveRequest[];
  underused: UnderusedDeployment[];
}

export async function buildUsageReport(db: Kysely<Database>, accountId: string, days: ReportDays, nowMs: number): Promise<UsageReport> {
  const calendar = reportCalendar(days, nowMs);
  const range = { first: calendar.firstDay, last: calendar.today };
  const [rollups, deploymentDays, topRequests] = await Promise.all([
    readDailyRollups(db, accountId, range),
    readDeploymentDays(db, accountId, range),
    readExpensiveRequests(db, accountId, calendar.window),
  ]);
  const spendOf = (within: DayRange) => sumCost(rollups, within) + sumDeploymentCost(deploymentDays, within);
  const spentMicros = spendOf(calendar.month);
  const costMicros = spendOf(calendar.window);
  const previousCostMicros = spendOf(calendar.previous);
  const { byDeployment, underused } = await deploymentFigures(db, accountId, calendar.window, rollups, deploymentDays);
  return {
    accountId,
    calendar,
    month: { spentMicros, projectedMicros: projectMonth(calendar, spentMicros, spendOf(calendar.projection)), method: PROJECTION_METHOD },
    trend: { costMicros, previousCostMicros, changePercent: changePercent(costMicros, previousCostMicros) },
    daily: dailySeries(calendar.window, rollups, deploymentDays),
    byModel: costByModel(rollups, calendar.window),
    byDeployment,
    topRequests,
    underused,
  };
}

/** See PROJECTION_METHOD; integer micros, rounded down. */
export function projectMonth(calendar: ReportCalendar, spentMicros: bigint, trailingMicros: bigint): bigint {
  const leftMs = BigInt(Math.max(0, calendar.month.endMs - calendar.nowMs));
  return spentMicros + (trailingMicros * leftMs) / (PROJECTION_DAYS * BigInt(MS_PER_DAY));
}

/** The change in percent, to two decimals (truncated); null when the previous window spent nothing. */
export function changePercent(costMicros: bigint, previousCostMicros: bigint): number | null {
  if (previousCostMicros === 0n) return null;
  return Number(((costMicros - previousCostMicros) * 10_000n) / previousCostMicros) / 100;
}

function dailySeries(window: DayRange, rollups: DailyRollup[], deploymentDays: DeploymentDay[]): DailyPoint[] {
  return daysOf(window).map((day) => {
    const one = { first: day, last: day };
    return { day, ...totalsOf(rollups.filter((row) => row.day === day)), deploymentsCostMicros: sumDeploymentCost(deploymentDays, one) };
  });
}

function costByModel(rollups: DailyRollup[], window: DayRange): (UsageTotals & { model: string })[] {
  const models = new Map<string, DailyRollup[]>();
  for (const row of rollups) if (inRange(row.day, window)) models.set(row.model, [...(models.get(row.model) ?? []), row]);
  return [...models]
    .map(([model, rows]) => ({ model, ...totalsOf(rows) }))
    .sort((a, b) => (a.costMicros !== b.costMicros ? (a.costMicros > b.costMicros ? -1 : 1) : a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
}

export function totalsOf(rows: readonly DailyRollup[]): UsageTotals {
  const totals: UsageTotals = { requests: 0n, promptTokens: 0n, completionTokens: 0n, costMicros: 0n };
  for (const row of rows) {
    totals.requests += row.requests;
    totals.promptTokens += row.promptTokens;
    totals.completionTokens += row.completionTokens;
    totals.costMicros += row.costMicros;
  }
  return totals;
}

function sumCost(rollups: DailyRollup[], within: DayRange): bigint {
  return rollups.reduce((sum, row) => (inRange(row.day, within) ? sum + row.costMicros : sum), 0n);
}

function sumDeploymentCost(days: DeploymentDay[], within: DayRange): bigint {
  return days.reduce((sum, row) => (inRange(row.day, within) ? sum + row.amountMicros : sum), 0n);
}
