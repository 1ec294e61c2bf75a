// The wire shape of GET /console/usage?days=7|14|30 (issue 12): what the cost console and the
// /console page draw. The figures come from the daily rollups (usage_daily, kept as charges
// settle) and the billed deployment hours, never from a scan of the raw usage rows. Amounts are
// decimal strings of credits; days are UTC calendar days; times are ISO 8601 UTC.
import { t, type Static } from 'elysia';

const credits = (description: string) => t.String({ pattern: '^-?\\d+\\.\\d{6}$', description });
const day = t.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A UTC calendar day' });

export const USAGE_DAYS = [7, 14, 30] as const;

export const usageQuery = t.Object({
  days: t.Optional(t.String({ description: 'The window: 7, 14 or 30 days ending today (UTC); 7 when absent' })),
});

const dailyPoint = t.Object({
  date: day,
  requests: t.Integer(),
  prompt_tokens: t.Integer(),
  completion_tokens: t.Integer(),
  tokens_cost: credits('What token-billed requests cost that day'),
  deployments_cost: credits('What deployment hours cost that day'),
  cost: credits('tokens_cost + deployments_cost'),
});

const modelCost = t.Object({
  model: t.String(),
  requests: t.Integer(),
  prompt_tokens: t.Integer(),
  completion_tokens: t.Integer(),
  cost: credits('Token-billed cost of this model in the window'),
});

const deploymentCost = t.Object({
  id: t.String(),
  model: t.String(),
  instance_type: t.String(),
  status: t.Union([t.Literal('running'), t.Literal('paused'), t.Literal('stopped')]),
  hours: t.Integer({ description: 'Hours billed in the window' }),
  requests: t.Integer({ description: 'Requests it served in the window' }),
  cost: credits('Its billed hours in the window'),
});

const expensiveRequest = t.Object({
  request_id: t.String(),
  created_at: t.String(),
  model: t.String(),
  endpoint: t.String(),
  prompt_tokens: t.Integer(),
  completion_tokens: t.Integer(),
  cost: credits('What the request was charged'),
});

const underusedDeployment = t.Object({
  id: t.String(),
  model: t.String(),
  hours: t.Integer(),
  requests: t.Integer(),
  requests_per_hour: t.Number(),
  suggestion: t.String(),
});

export const usageReportSchema = t.Object({
  object: t.Literal('usage_report'),
  account_id: t.String(),
  days: t.Integer(),
  from: day,
  to: day,
  balance: t.Object({
    total: credits('Spendable credit: paid + promo, unexpired'),
    paid: credits('Paid credit'),
    promo: credits('Promotional credit'),
    reserved: credits('Held by requests in flight and gateway leases'),
  }),
  month: t.Object({
    start: day,
    spent: credits('Spend this calendar month (UTC), tokens and deployment hours'),
    projected: credits('Projected month total; see method'),
    method: t.String({ description: 'How projected was computed' }),
  }),
  trend: t.Object({
    cost: credits('Spend in this window'),
    previous_cost: credits('Spend in the window of the same length just before it'),
    change_percent: t.Union([t.Number(), t.Null()], { description: 'null when the previous window spent nothing' }),
  }),
  daily: t.Array(dailyPoint, { description: 'One point per day of the window, oldest first, zero days included' }),
  by_model: t.Array(modelCost, { description: 'Most expensive first' }),
  by_deployment: t.Array(deploymentCost, { description: 'Most expensive first' }),
  top_requests: t.Array(expensiveRequest, { description: 'The 10 most expensive requests of the window' }),
  underused_deployments: t.Array(underusedDeployment),
});

export type UsageReport = Static<typeof usageReportSchema>;
