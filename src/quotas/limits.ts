// The limits a plan puts on an account, and an admin may put on one key (stricter than its plan).
// null is unlimited. Minute, day and month are calendar periods in UTC.
export interface QuotaLimits {
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  tokensPerDay: number | null;
  tokensPerMonth: number | null;
  concurrent: number | null;
}
