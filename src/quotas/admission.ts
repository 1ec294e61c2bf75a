// One request's admission as a store takes it: its scopes' counter names in the current
// windows, its reservation, its ticket, and how long each counter is to live.
import { keysOf, type QuotaScope } from './scopes';
import type { Admission } from './store';
import type { Windows } from './windows';

/** Counters outlive their window by this much, so replicas whose clocks differ a little agree. */
export const WINDOW_GRACE_MS = 10_000;

export function admissionOf(ticketId: string, scopes: QuotaScope[], reserveTokens: number, windows: Windows, nowMs: number, ticketTtlMs: number): Admission {
  return {
    ticketId,
    scopes: scopes.map((scope) => ({ keys: keysOf(scope, windows), limits: scope.limits })),
    reserveTokens,
    nowMs,
    ticketExpiresAtMs: nowMs + ticketTtlMs,
    ttl: {
      minuteMs: windows.minuteEndMs - nowMs + WINDOW_GRACE_MS,
      dayMs: windows.dayEndMs - nowMs + WINDOW_GRACE_MS,
      monthMs: windows.monthEndMs - nowMs + WINDOW_GRACE_MS,
      inFlightMs: ticketTtlMs + WINDOW_GRACE_MS,
    },
  };
}
