// A key's own quota limits (src/quotas/limits.ts) as the snake_case record the database column
// and the admin API both hold. One mapping, so the stored JSON and the wire cannot drift apart.
import type { QuotaLimits } from '../quotas/limits';

export const LIMIT_FIELDS = {
  requests_per_minute: 'requestsPerMinute',
  tokens_per_minute: 'tokensPerMinute',
  tokens_per_day: 'tokensPerDay',
  tokens_per_month: 'tokensPerMonth',
  concurrent: 'concurrent',
} as const satisfies Record<string, keyof QuotaLimits>;

export type LimitField = keyof typeof LIMIT_FIELDS;
export type LimitsRecord = Record<LimitField, number | null>;

const FIELDS = Object.keys(LIMIT_FIELDS) as LimitField[];

/**
 * Limits from a record whose fields may be absent (absent is unlimited), or null when every
 * field is unlimited: a key with no limit of its own is bounded by its plan alone, and says so.
 */
export function limitsFromRecord(record: Partial<Record<LimitField, number | null>>): QuotaLimits | null {
  const limits = {} as QuotaLimits;
  for (const field of FIELDS) limits[LIMIT_FIELDS[field]] = record[field] ?? null;
  return FIELDS.every((field) => limits[LIMIT_FIELDS[field]] === null) ? null : limits;
}

export function limitsToRecord(limits: QuotaLimits): LimitsRecord {
  const record = {} as LimitsRecord;
  for (const field of FIELDS) record[field] = limits[LIMIT_FIELDS[field]];
  return record;
}
