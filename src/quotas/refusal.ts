// The 429 a refused admission gets: OpenAI's error JSON, a code for a rate (per minute, in
// flight) or a period (day, month), the headers, and Retry-After for the failed check that
// clears last (a client that retried sooner would only be refused again).
import { ApiError } from '../errors';
import { assert } from '../shared/assert';
import { failedChecks, type Dimension, type FailedCheck } from './checks';
import { quotaHeaders, resetAtMs, TOKEN_DIMENSIONS } from './headers';
import type { QuotaScope } from './scopes';
import type { ScopeCounts } from './store';
import { retryAfterSeconds, type Windows } from './windows';

/** A slot in flight has no reset time; a client is told to try again in a second. */
const IN_FLIGHT_RETRY_MS = 1000;

/** The 429 for a refused admission: the failed check that clears last decides its code and Retry-After. */
export function refusal(scopes: QuotaScope[], counts: ScopeCounts[], reserveTokens: number, windows: Windows, nowMs: number): ApiError {
  const failed = failedChecks(scopes.map((scope) => scope.limits), counts, reserveTokens);
  const waitMs = (check: FailedCheck) => (resetAtMs(check.dimension, windows) ?? nowMs + IN_FLIGHT_RETRY_MS) - nowMs;
  // The counts are those the store refused on, and both stores follow checks.ts: one check failed.
  assert(failed.length > 0, 'a refused admission fails a check on the counts it was refused on');
  const worst = failed.reduce((latest, check) => (waitMs(check) > waitMs(latest) ? check : latest));
  const period = worst.dimension === 'tokensDay' || worst.dimension === 'tokensMonth';
  // A period used up is OpenAI's "quota" (type insufficient_quota); a rate, its rate limit.
  const error = period
    ? new ApiError(429, 'quota_exceeded', messageOf(scopes[worst.scope]!, worst), null, 'insufficient_quota')
    : new ApiError(429, 'rate_limit_exceeded', messageOf(scopes[worst.scope]!, worst), null, 'rate_limit_error');
  error.headers = { ...quotaHeaders(scopes, counts, windows, nowMs), 'retry-after': String(retryAfterSeconds(waitMs(worst))) };
  return error;
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
