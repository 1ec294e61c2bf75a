// GET /console/usage?days=7|14|30 (issue 12): the cost console's figures for the key's account,
// from the usage rollups and billed deployment hours (src/usage/report.ts) and the wallet.
import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { apiKeyAuth, API_KEY_SECURITY } from '../http/api-key-auth';
import * as ledger from '../ledger/service';
import type { WalletSummary } from '../ledger/model';
import { formatMicros } from '../shared/money';
import { buildUsageReport, type UsageReport } from '../usage/report';
import { isoDate, parseReportDays } from '../usage/report-window';
import { usageQuery, usageReportSchema, type UsageReport as UsageReportJson } from './usage-model';

export function consoleUsageRoutes(context: AppContext) {
  const { db, now } = context;
  return new Elysia({ prefix: '/console' }).use(apiKeyAuth(context)).get(
    '/usage',
    async ({ apiKey, query }) => {
      const days = parseReportDays(query.days);
      const nowMs = now();
      const [balance, report] = await Promise.all([ledger.getWalletSummary(db, apiKey.accountId, nowMs), buildUsageReport(db, apiKey.accountId, days, nowMs)]);
      return usageReportJson(report, balance);
    },
    {
      query: usageQuery,
      response: usageReportSchema,
      detail: {
        summary: "The key's account's costs over the last 7, 14 or 30 UTC days (?days=, 7 when absent)",
        description:
          'Balance, spend this calendar month and its projection, the trend against the window before, a daily series (zero days included), ' +
          'cost by model and by deployment, the 10 most expensive requests and underused deployments. Read from daily rollups kept as charges settle. ' +
          'Any other days value is a 400 invalid_request naming param days.',
        tags: ['console'],
        security: API_KEY_SECURITY,
      },
    },
  );
}

const integer = (value: bigint) => Number(value);

export function usageReportJson(report: UsageReport, balance: WalletSummary): UsageReportJson {
  const { calendar } = report;
  return {
    object: 'usage_report',
    account_id: report.accountId,
    days: calendar.days,
    from: isoDate(calendar.window.first),
    to: isoDate(calendar.window.last),
    balance: { total: formatMicros(balance.balanceMicros), paid: formatMicros(balance.paidMicros), promo: formatMicros(balance.promoMicros), reserved: formatMicros(balance.reservedMicros) },
    month: { start: isoDate(calendar.month.first), spent: formatMicros(report.month.spentMicros), projected: formatMicros(report.month.projectedMicros), method: report.month.method },
    trend: { cost: formatMicros(report.trend.costMicros), previous_cost: formatMicros(report.trend.previousCostMicros), change_percent: report.trend.changePercent },
    daily: report.daily.map((point) => ({
      date: isoDate(point.day),
      requests: integer(point.requests),
      prompt_tokens: integer(point.promptTokens),
      completion_tokens: integer(point.completionTokens),
      tokens_cost: formatMicros(point.costMicros),
      deployments_cost: formatMicros(point.deploymentsCostMicros),
      cost: formatMicros(point.costMicros + point.deploymentsCostMicros),
    })),
    by_model: report.byModel.map((row) => ({ model: row.model, requests: integer(row.requests), prompt_tokens: integer(row.promptTokens), completion_tokens: integer(row.completionTokens), cost: formatMicros(row.costMicros) })),
    by_deployment: report.byDeployment.map((row) => ({ id: row.id, model: row.model, instance_type: row.instanceType, status: row.status, hours: integer(row.hours), requests: integer(row.requests), cost: formatMicros(row.costMicros) })),
    top_requests: report.topRequests.map((row) => ({
      request_id: row.requestId,
      created_at: new Date(row.createdAtMs).toISOString(),
      model: row.model,
      endpoint: row.endpoint,
      prompt_tokens: integer(row.promptTokens),
      completion_tokens: integer(row.completionTokens),
      cost: formatMicros(row.costMicros),
    })),
    underused_deployments: report.underused.map((row) => ({ id: row.id, model: row.model, hours: integer(row.hours), requests: integer(row.requests), requests_per_hour: row.requestsPerHour, suggestion: row.suggestion })),
  };
}
