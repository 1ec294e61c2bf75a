// The fixed windows quotas are counted in: calendar periods in UTC. A minute runs from :00.000 to
// :59.999, a day from 00:00 UTC, a month from the 1st at 00:00 UTC. Every counter of a window is
// named by the window's index, so replicas (and both stores) agree on it without talking.
export interface Windows {
  minute: number;
  day: number;
  /** Months since year 0 (year * 12 + month): a calendar month has no fixed length in ms. */
  month: number;
  minuteEndMs: number;
  dayEndMs: number;
  monthEndMs: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export function windowsAt(nowMs: number): Windows {
  const minute = Math.floor(nowMs / MINUTE_MS);
  const day = Math.floor(nowMs / DAY_MS);
  const date = new Date(nowMs);
  const year = date.getUTCFullYear();
  const monthOfYear = date.getUTCMonth();
  return {
    minute,
    day,
    month: year * 12 + monthOfYear,
    minuteEndMs: (minute + 1) * MINUTE_MS,
    dayEndMs: (day + 1) * DAY_MS,
    monthEndMs: Date.UTC(year, monthOfYear + 1, 1),
  };
}

/**
 * A span as OpenAI writes its x-ratelimit-reset-* headers (Go's duration format): "850ms" under
 * a second, else whole seconds rounded up, "1s", "6m0s", "23h59m59s".
 */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return `${hours}h${minutes}m${rest}s`;
  if (minutes > 0) return `${minutes}m${rest}s`;
  return `${rest}s`;
}

/** Retry-After in whole seconds, at least 1: a client told 0 retries at once. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
