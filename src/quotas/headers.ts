// What a plan-billed response tells its client about its limits, in OpenAI's headers, and the
// 429 a refused request gets. With several scopes and token windows, each header pair speaks of
// the tightest one: the limit with the least left, and when that one resets.
import { ApiError } from '../errors';
import { assert } from '../shared/assert';
import { failedChecks, LIMIT_OF, type Dimension, type FailedCheck } from './checks';
import type { QuotaScope } from './scopes';
import type { ScopeCounts } from './store';
import { durationText, retryAfterSeconds, type Windows } from './windows';

const TOKEN_DIMENSIONS: readonly Dimension[] = ['tokensMinute', 'tokensDay', 'tokensMonth'];

export function resetAtMs(dimension: Dimension, windows: Windows): number | null {
  if (dimension === 'requests' || dimension === 'tokensMinute') return windows.minuteEndMs;
  if (dimension === 'tokensDay') return windows.dayEndMs;
  if (dimension === 'tokensMonth') return windows.monthEndMs;
  return null; // a slot in flight frees when a request ends, not at a set time
}

interface Tightest {
  limit: number;
  remaining: number;
  resetMs: number;
}

function tightest(scopes: QuotaScope[], counts: ScopeCounts[], dimensions: readonly Dimension[], windows: Windows, nowMs: number): Tightest | null {
  let best: Tightest | null = null;
  scopes.forEach((scope, index) => {
    for (const dimension of dimensions) {
      const limit = scope.limits[LIMIT_OF[dimension]];
      if (limit === null) continue;
      const remaining = Math.max(0, limit - counts[index]![dimension]);
      if (best === null || remaining < best.remaining) best = { limit, remaining, resetMs: resetAtMs(dimension, windows)! - nowMs };
    }
  });
  return best;
}

/**
 * x-ratelimit-{limit,remaining,reset}-{requests,tokens}. A pair is left out when nothing limits
 * it (a plan without requests_per_minute has no requests limit to report).
 */
export function quotaHeaders(scopes: QuotaScope[], counts: ScopeCounts[], windows: Windows, nowMs: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, dimensions] of [['requests', ['requests']], ['tokens', TOKEN_DIMENSIONS]] as const) {
    const bound = tightest(scopes, counts, dimensions, windows, nowMs);
    if (bound === null) continue;
    headers[`x-ratelimit-limit-${name}`] = String(bound.limit);
    headers[`x-ratelimit-remaining-${name}`] = String(bound.remaining);
    headers[`x-ratelimit-reset-${name}`] = durationText(bound.resetMs);
  }
  return headers;
}

/** A slot in flight has no reset time; a client is told to try again in a second. */
const IN_FLIGHT_RETRY_MS = 1000;

/** The 429 for a refused admission: the failed check that clears last decides its code and Retry-After. */
export function refusal(scopes: QuotaScope[], counts: ScopeCounts[], reserveTokens: number, windows: Windows, nowMs: number): ApiError {
  const failed = failedChecks(scopes.map((scope) => scope.limits), counts, reserveTokens);
  const waitMs = (check: FailedCheck) => (resetAtMs(check.dimension, windows) ?? nowMs + IN_FLIGHT_RETRY_MS) - nowMs;
  // The counts are those the store refused on, and both stores follow checks.ts: one check failed.
  assert(failed.length > 0, 'a refused admission fails a check on the counts it was refused on');
  const worst = failed.reduce((latest, check) => (waitMs(check) > waitMs(latest) ? check : latest));
  const error = new ApiError(429, codeOf(worst.dimension), messageOf(scopes[worst.scope]!, worst), null, worst.dimension === 'tokensDay' || worst.dimension === 'tokensMonth' ? 'insufficient_quota' : 'rate_limit_error');
  error.headers = { ...quotaHeaders(scopes, counts, windows, nowMs), 'retry-after': String(retryAfterSeconds(waitMs(worst))) };
  return error;
}

function codeOf(dimension: Dimension): 'rate_limit_exceeded' | 'quota_exceeded' {
  return dimension === 'tokensDay' || dimension === 'tokensMonth' ? 'quota_exceeded' : 'rate_limit_exceeded';
}

const WHAT: Record<Dimension, string> = {
  requests: 'requests per minute',
  tokensMinute: 'tokens per minute',
  tokensDay: 'tokens per day (UTC)',
  tokensMonth: 'tokens per month (UTC)',
  inFlight: 'concurrent requests',
};

function messageOf(scope: QuotaScope, check: FailedCheck): string {
  const owner = scope.kind === 'account' ? 'Plan limit' : scope.kind === 'model' ? `Plan limit for the model "${scope.model}"` : "This key's limit";
  const used = check.dimension === 'inFlight' ? `${check.count} in flight` : `used ${check.count}`;
  const asked = TOKEN_DIMENSIONS.includes(check.dimension) ? `, this request reserves ${check.adding}` : '';
  return `${owner} reached: ${check.limit} ${WHAT[check.dimension]} (${used}${asked}). Retry later.`;
}
