// The wire shape of GET /console/quota: the plan that bounds the account, and for each scope
// (the account, each model the plan limits, the key's own limits) every limit, what is used,
// what is left and when it resets.
import { t } from 'elysia';
import { DIMENSIONS, LIMIT_OF, type Dimension } from './checks';
import { resetAtMs } from './headers';
import type { ResolvedPlan } from './plans';
import type { QuotaReading } from './service';

const NAMES: Record<Dimension, 'requests_per_minute' | 'tokens_per_minute' | 'tokens_per_day' | 'tokens_per_month' | 'concurrent'> = {
  requests: 'requests_per_minute',
  tokensMinute: 'tokens_per_minute',
  tokensDay: 'tokens_per_day',
  tokensMonth: 'tokens_per_month',
  inFlight: 'concurrent',
};

const nullable = <T extends Parameters<typeof t.Union>[0][number]>(schema: T) => t.Union([schema, t.Null()]);

const limitSchema = t.Object({
  scope: t.Union([t.Literal('account'), t.Literal('model'), t.Literal('key')], { description: "account: the plan's limits; model: the plan's limits for one model; key: this key's own limits" }),
  model: nullable(t.String()),
  name: t.Union([t.Literal('requests_per_minute'), t.Literal('tokens_per_minute'), t.Literal('tokens_per_day'), t.Literal('tokens_per_month'), t.Literal('concurrent')]),
  limit: nullable(t.Integer({ description: 'null: unlimited' })),
  used: t.Integer({ description: 'Counted in the current window (tokens of requests in flight at their reservation); for concurrent, requests in flight' }),
  remaining: nullable(t.Integer()),
  resets_at: nullable(t.String({ format: 'date-time', description: 'When the window ends (minute, UTC day, UTC month); null for concurrent' })),
});

export const quotaSchema = t.Object({
  object: t.Literal('quota'),
  account_id: t.String(),
  plan: nullable(t.String({ description: 'null: the account has no plan (plan-billed keys are refused)' })),
  plan_source: nullable(t.Union([t.Literal('account'), t.Literal('default')])),
  models: nullable(t.Array(t.String(), { description: 'The models the plan allows; null: every model' })),
  max_tokens_per_request: nullable(t.Integer()),
  limits: t.Array(limitSchema),
});

export function quotaJson(accountId: string, plan: ResolvedPlan | null, reading: QuotaReading | null) {
  return {
    object: 'quota' as const,
    account_id: accountId,
    plan: plan?.name ?? null,
    plan_source: plan?.source ?? null,
    models: plan?.plan.models ?? null,
    max_tokens_per_request: plan?.plan.maxTokensPerRequest ?? null,
    limits: reading === null ? [] : limitsJson(reading),
  };
}

function limitsJson({ scopes, counts, windows }: QuotaReading) {
  return scopes.flatMap((scope, index) =>
    DIMENSIONS.map((dimension) => {
      const limit = scope.limits[LIMIT_OF[dimension]];
      const used = counts[index]![dimension];
      const resetMs = resetAtMs(dimension, windows);
      return {
        scope: scope.kind,
        model: scope.model,
        name: NAMES[dimension],
        limit,
        used,
        remaining: limit === null ? null : Math.max(0, limit - used),
        resets_at: resetMs === null ? null : new Date(resetMs).toISOString(),
      };
    }),
  );
}
