// The page size every listing takes: `?limit=` from 1 to PAGE_LIMIT_MAX, PAGE_LIMIT_DEFAULT when
// absent. It is checked as text, not coerced: "1.5", "Infinity", " ", "-1" or "1e3" are each a
// 400 naming `limit`, never a number the database is left to interpret.
import { t } from 'elysia';

export const PAGE_LIMIT_MAX = 500;
export const PAGE_LIMIT_DEFAULT = 100;

// 1..500 with no sign, fraction, exponent, spaces or leading zeros.
const LIMIT_PATTERN = '^(?:[1-9]|[1-9][0-9]|[1-4][0-9]{2}|500)$';

export const pageLimitQuery = t.Optional(
  t.String({
    pattern: LIMIT_PATTERN,
    expected: `an integer from 1 to ${PAGE_LIMIT_MAX}`,
    description: `Page size, 1 to ${PAGE_LIMIT_MAX} (default ${PAGE_LIMIT_DEFAULT})`,
  }),
);

export function readPageLimit(limit: string | undefined): number {
  return limit === undefined ? PAGE_LIMIT_DEFAULT : Number(limit);
}
