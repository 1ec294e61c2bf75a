// The reference the quota stores are held to: every admission kept as a plain record, and each
// count recomputed from them by its definition (the requests and tokens of the admissions made in
// the current window, tokens at their real use once finished; the unfinished tickets not yet
// expired). Nothing of the stores' bookkeeping (counters, expiry, corrections) is shared.
import type { QuotaLimits } from '../../src/quotas/limits';
import type { ScopeCounts } from '../../src/quotas/store';
import { windowsAt } from '../../src/quotas/windows';

interface Admitted {
  id: string;
  scopes: string[];
  minute: number;
  day: number;
  month: number;
  reserve: number;
  used: number | null;
  expiresAtMs: number;
}

export class ReferenceQuota {
  private readonly admitted: Admitted[] = [];

  counts(scope: string, nowMs: number): ScopeCounts {
    const windows = windowsAt(nowMs);
    const mine = this.admitted.filter((entry) => entry.scopes.includes(scope));
    const tokens = (entries: Admitted[]) => entries.reduce((sum, entry) => sum + (entry.used ?? entry.reserve), 0);
    return {
      requests: mine.filter((entry) => entry.minute === windows.minute).length,
      tokensMinute: tokens(mine.filter((entry) => entry.minute === windows.minute)),
      tokensDay: tokens(mine.filter((entry) => entry.day === windows.day)),
      tokensMonth: tokens(mine.filter((entry) => entry.month === windows.month)),
      inFlight: mine.filter((entry) => entry.used === null && entry.expiresAtMs > nowMs).length,
    };
  }

  /** Admitted when, in every scope, the request and its tokens still fit every limit. */
  admit(id: string, scopes: { base: string; limits: QuotaLimits }[], reserve: number, nowMs: number, expiresAtMs: number): boolean {
    const fits = scopes.every(({ base, limits }) => {
      const counts = this.counts(base, nowMs);
      const within = (count: number, adding: number, limit: number | null) => limit === null || count + adding <= limit;
      return (
        within(counts.requests, 1, limits.requestsPerMinute) &&
        within(counts.tokensMinute, reserve, limits.tokensPerMinute) &&
        within(counts.tokensDay, reserve, limits.tokensPerDay) &&
        within(counts.tokensMonth, reserve, limits.tokensPerMonth) &&
        within(counts.inFlight, 1, limits.concurrent)
      );
    });
    if (!fits) return false;
    const windows = windowsAt(nowMs);
    this.admitted.push({ id, scopes: scopes.map((scope) => scope.base), minute: windows.minute, day: windows.day, month: windows.month, reserve, used: null, expiresAtMs });
    return true;
  }

  finish(id: string, used: number): void {
    const entry = this.admitted.find((candidate) => candidate.id === id)!;
    entry.used = used;
  }

  renew(id: string, expiresAtMs: number, nowMs: number): void {
    const entry = this.admitted.find((candidate) => candidate.id === id)!;
    // As in the stores: a ticket already expired (freed) is not brought back.
    if (entry.used === null && entry.expiresAtMs > nowMs) entry.expiresAtMs = expiresAtMs;
  }
}
