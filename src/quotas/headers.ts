// What a plan-billed response tells its client about its limits, in OpenAI's headers. With
// several scopes and token windows, each header pair speaks of the tightest one: the limit with
// the least left, and when that one resets.
import { LIMIT_OF, type Dimension } from './checks';
import type { QuotaScope } from './scopes';
import type { ScopeCounts } from './store';
import { durationText, type Windows } from './windows';

export const TOKEN_DIMENSIONS: readonly Dimension[] = ['tokensMinute', 'tokensDay', 'tokensMonth'];

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
