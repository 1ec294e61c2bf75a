// The plan path of a generation request (keys with billing "plan"): the plan's bounds on the
// request itself, its admission by the plan's quotas before it is forwarded, and its finish,
// which settle.ts runs on every exit exactly once, as it settles or releases a credit flight.
import type { PriceConfig } from '../config';
import type { AppContext } from '../context';
import type { AuthenticatedKey } from '../keys/auth';
import { checkMaxTokens, checkPlanModel, maxTokensPerRequest, requirePlan, type ResolvedPlan } from '../quotas/plans';
import type { Flight } from './flight';
import type { GenerationRequest } from './request';

/** The plan of a plan-billed key's account (403 when it has none); null for a credit-billed key. */
export function planOfKey(context: AppContext, key: AuthenticatedKey): ResolvedPlan | null {
  return key.billing === 'plan' ? requirePlan(context.quotas.resolvePlan(key.accountPlan)) : null;
}

/** The models a key may list: for a plan key, only those its plan includes (when it has a plan). */
export function narrowToPlan(context: AppContext, key: AuthenticatedKey, models: string[]): string[] {
  if (key.billing !== 'plan') return models;
  const resolution = context.quotas.resolvePlan(key.accountPlan);
  const allowed = resolution.kind === 'plan' ? resolution.plan.models : null;
  return allowed ? models.filter((model) => allowed.includes(model)) : models;
}

/**
 * A request as its plan bounds it: a model the plan includes, no more output tokens than it
 * allows (400), and, when the client set no limit, the plan's limit sent upstream as max_tokens
 * (and reserved): otherwise a server would generate up to its own default, however large.
 */
export function boundByPlan(plan: ResolvedPlan, parsed: GenerationRequest, price: PriceConfig): GenerationRequest {
  checkPlanModel(plan, parsed.model);
  checkMaxTokens(plan, parsed.model, parsed.completionTokensAsked);
  const bound = maxTokensPerRequest(plan.plan, parsed.model);
  if (bound === null || parsed.endpoint === 'embeddings' || parsed.completionTokensAsked !== null) return parsed;
  const tokens = Math.min(bound, price.maxOutputTokens);
  const choices = parsed.completionTokensMax / price.maxOutputTokens;
  return { ...parsed, completionTokensMax: tokens * choices, maxTokensAdded: tokens };
}

/**
 * Admits a plan request before it is forwarded, reserving its largest possible tokens (prompt
 * bound + output bound) in every token window. It throws before anything is held (429, or 503
 * while the quota store is down), so a throw here leaves nothing to finish.
 */
export async function admitPlanRequest(context: AppContext, flight: Flight): Promise<void> {
  if (flight.plan === null) return;
  const { key, request } = flight;
  flight.quota = await context.quotas.admit({
    accountId: key.accountId,
    keyId: key.id,
    keyLimits: key.limits,
    plan: flight.plan,
    model: request.model,
    reserveTokens: request.promptTokensMax + request.completionTokensMax,
  });
}

/** Ends the flight's quota ticket, counting what it used; called once, where the flight settles. */
export function finishPlanRequest(context: AppContext, flight: Flight, usedTokens: number): void {
  if (flight.quota) context.quotas.finish(flight.quota, usedTokens);
}

/** The x-ratelimit-* headers a plan request's answers carry, whatever they are; none for credit keys. */
export function planHeaders(flight: Flight): Record<string, string> {
  return flight.quota?.headers ?? {};
}
