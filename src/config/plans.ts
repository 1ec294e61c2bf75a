// Parsers of [plans.<name>] (with its per-model limits), the rule on their Stripe prices, and
// [quotas] default_plan.
import { integer, isTable, optionalString, rejectUnknown, stringList } from './fields';
import { ConfigError, type ModelLimitsConfig, type PlanConfig } from './types';

const LIMIT_KEYS = ['requests_per_minute', 'tokens_per_minute', 'tokens_per_day', 'tokens_per_month', 'concurrent', 'max_tokens_per_request'];
export const PLAN_KEYS = [...LIMIT_KEYS, 'models', 'model_limits', 'stripe_price'];

export function parsePlans(value: unknown): Record<string, PlanConfig> {
  if (value === undefined) return {};
  if (!isTable(value)) throw new ConfigError('[plans] must be a table');
  const plans: Record<string, PlanConfig> = {};
  for (const [name, entry] of Object.entries(value)) {
    const at = `plans.${name}`;
    if (!isTable(entry)) throw new ConfigError(`${at} must be a table`);
    rejectUnknown(entry, PLAN_KEYS, `${at}.`);
    const models = entry.models === undefined ? null : stringList(entry.models, `${at}.models`);
    plans[name] = {
      ...parseLimits(entry, at),
      models,
      modelLimits: parseModelLimits(entry.model_limits, `${at}.model_limits`, models),
      stripePrice: optionalString(entry.stripe_price, `${at}.stripe_price`),
    };
  }
  return plans;
}

/** A plan's limits, or one model's within it; a limit left out is unlimited (null). */
function parseLimits(entry: Record<string, unknown>, at: string): ModelLimitsConfig {
  const limit = (key: string) => (entry[key] === undefined ? null : integer(entry[key], `${at}.${key}`, 0, 0, Number.MAX_SAFE_INTEGER));
  const maxTokens = entry.max_tokens_per_request === undefined ? null : integer(entry.max_tokens_per_request, `${at}.max_tokens_per_request`, 1, 1, 2_147_483_647);
  return {
    requestsPerMinute: limit('requests_per_minute'),
    tokensPerMinute: limit('tokens_per_minute'),
    tokensPerDay: limit('tokens_per_day'),
    tokensPerMonth: limit('tokens_per_month'),
    concurrent: limit('concurrent'),
    maxTokensPerRequest: maxTokens,
  };
}

function parseModelLimits(value: unknown, at: string, models: string[] | null): Record<string, ModelLimitsConfig> {
  if (value === undefined) return {};
  if (!isTable(value)) throw new ConfigError(`${at} must be a table of models ([${at}."<model>"])`);
  const limits: Record<string, ModelLimitsConfig> = {};
  for (const [model, entry] of Object.entries(value)) {
    const where = `${at}."${model}"`;
    if (!isTable(entry)) throw new ConfigError(`${where} must be a table`);
    rejectUnknown(entry, LIMIT_KEYS, `${where}.`);
    // Limits on a model the plan does not allow would never apply: a typo, most likely.
    if (models && !models.includes(model)) throw new ConfigError(`${where} names a model that plan's models do not list`);
    limits[model] = parseLimits(entry, where);
  }
  return limits;
}

/** [quotas] default_plan must name a configured plan: a typo would refuse every account without a plan. */
export function parseDefaultPlan(value: unknown, plans: Record<string, PlanConfig>): string | null {
  const name = optionalString(value, 'quotas.default_plan');
  if (name !== null && !Object.hasOwn(plans, name)) {
    throw new ConfigError(`quotas.default_plan names "${name}", which is not a configured plan (configured: ${Object.keys(plans).join(', ') || 'none'})`);
  }
  return name;
}

/** A subscription's plan is found by its price, so two plans may not share one stripe_price. */
export function refuseSharedStripePrices(plans: Record<string, PlanConfig>): Record<string, PlanConfig> {
  const owners = new Map<string, string>();
  for (const [name, plan] of Object.entries(plans)) {
    if (plan.stripePrice === null) continue;
    const other = owners.get(plan.stripePrice);
    if (other) throw new ConfigError(`plans.${name}.stripe_price "${plan.stripePrice}" is also plans.${other}.stripe_price; each plan needs its own price`);
    owners.set(plan.stripePrice, name);
  }
  return plans;
}
