// Which plan bounds a plan-billed key, and what a plan allows a single request: its models and
// the largest max_tokens. A plan is the account's (set by an admin or a subscription), or the
// operator's default plan for accounts that have none.
import type { Config, ModelLimitsConfig, PlanConfig } from '../config';
import { ApiError, badRequest } from '../errors';

export interface ResolvedPlan {
  name: string;
  plan: PlanConfig;
  /** The account's own plan, or [quotas] default_plan because it has none. */
  source: 'account' | 'default';
}

export type PlanResolution = ({ kind: 'plan' } & ResolvedPlan) | { kind: 'none' } | { kind: 'unknown'; name: string };

export function resolvePlan(config: Pick<Config, 'plans' | 'quotas'>, accountPlan: string | null): PlanResolution {
  const name = accountPlan ?? config.quotas.defaultPlan;
  if (name === null) return { kind: 'none' };
  // Own keys only: an account's plan "constructor" is no plan.
  if (!Object.hasOwn(config.plans, name)) return { kind: 'unknown', name };
  return { kind: 'plan', name, plan: config.plans[name]!, source: accountPlan === null ? 'default' : 'account' };
}

/** The plan of a plan-billed key's account, or the 403 that explains why it has none. */
export function requirePlan(resolution: PlanResolution): ResolvedPlan {
  if (resolution.kind === 'none') {
    throw new ApiError(403, 'no_plan', 'This key is billed by plan, but its account has no plan. Ask the operator to set one, or use a key with billing "credits".');
  }
  if (resolution.kind === 'unknown') {
    throw new ApiError(403, 'plan_not_configured', `This account's plan "${resolution.name}" is not configured on this gateway (any more). Ask the operator to set a current plan.`);
  }
  return resolution;
}

/** A plan's limits for one model, when it sets any. */
export function modelLimitsOf(plan: PlanConfig, model: string): ModelLimitsConfig | null {
  return Object.hasOwn(plan.modelLimits, model) ? plan.modelLimits[model]! : null;
}

/** The largest max_tokens a request for `model` may ask for: the plan's, or its model's when lower. */
export function maxTokensPerRequest(plan: PlanConfig, model: string): number | null {
  const bounds = [plan.maxTokensPerRequest, modelLimitsOf(plan, model)?.maxTokensPerRequest ?? null].filter((bound) => bound !== null);
  return bounds.length === 0 ? null : Math.min(...bounds);
}

export function checkPlanModel({ name, plan }: ResolvedPlan, model: string): void {
  if (plan.models && !plan.models.includes(model)) {
    throw new ApiError(403, 'model_not_allowed', `The plan "${name}" does not include the model "${model}".`, 'model');
  }
}

/** 400 when the request asks for more output tokens (per choice) than the plan allows. */
export function checkMaxTokens({ name, plan }: ResolvedPlan, model: string, asked: { field: string; tokens: number } | null): void {
  const bound = maxTokensPerRequest(plan, model);
  if (bound === null || asked === null || asked.tokens <= bound) return;
  throw badRequest(`${asked.field} is ${asked.tokens}, above the ${bound} tokens per request the plan "${name}" allows for "${model}".`, asked.field);
}
