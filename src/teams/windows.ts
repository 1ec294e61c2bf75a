// The UTC calendar windows a spend cap counts in: today and this month, as day indexes of the
// key_spend_daily rollup (floor(ms / 86 400 000)), and when each ends (when its cap resets).
import { dayIndexOf } from '../usage/rollup';

export interface CapWindows {
  today: bigint;
  monthFirst: bigint;
  dayEndMs: number;
  monthEndMs: number;
}

export function capWindows(nowMs: number): CapWindows {
  const now = new Date(nowMs);
  const dayEndMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  const monthStartMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const monthEndMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return { today: dayIndexOf(nowMs), monthFirst: dayIndexOf(monthStartMs), dayEndMs, monthEndMs };
}
