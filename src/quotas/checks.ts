// The admission rule, as one pure function both stores follow (the Redis script is its Lua
// twin): a request is admitted when, in every scope, one more request this minute, one more in
// flight and its reserved tokens in each window all stay within the limits.
import type { QuotaLimits } from './limits';
import type { ScopeCounts } from './store';

export type Dimension = keyof ScopeCounts;

export const DIMENSIONS: readonly Dimension[] = ['requests', 'tokensMinute', 'tokensDay', 'tokensMonth', 'inFlight'];

/** The limit that bounds each counter. */
export const LIMIT_OF: Record<Dimension, keyof QuotaLimits> = {
  requests: 'requestsPerMinute',
  tokensMinute: 'tokensPerMinute',
  tokensDay: 'tokensPerDay',
  tokensMonth: 'tokensPerMonth',
  inFlight: 'concurrent',
};

export interface FailedCheck {
  scope: number;
  dimension: Dimension;
  limit: number;
  count: number;
  /** What the request would add: 1, or its reserved tokens. */
  adding: number;
}

export function addedBy(dimension: Dimension, reserveTokens: number): number {
  return dimension === 'requests' || dimension === 'inFlight' ? 1 : reserveTokens;
}

/** Every limit the request would take past; none means it is admitted. */
export function failedChecks(limits: readonly QuotaLimits[], counts: readonly ScopeCounts[], reserveTokens: number): FailedCheck[] {
  const failed: FailedCheck[] = [];
  limits.forEach((scopeLimits, scope) => {
    for (const dimension of DIMENSIONS) {
      const limit = scopeLimits[LIMIT_OF[dimension]];
      const count = counts[scope]![dimension];
      const adding = addedBy(dimension, reserveTokens);
      if (limit !== null && count + adding > limit) failed.push({ scope, dimension, limit, count, adding });
    }
  });
  return failed;
}

export const ZERO_COUNTS: ScopeCounts = Object.freeze({ requests: 0, tokensMinute: 0, tokensDay: 0, tokensMonth: 0, inFlight: 0 });
