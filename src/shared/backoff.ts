// The wait before the next attempt at work that failed (a Stripe event, a receipt): `baseMs`
// after the first failure, doubling after each one, never more than `maxMs`.
export function doublingBackoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), maxMs);
}
