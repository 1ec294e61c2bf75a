// The period an export covers: `from` (inclusive) and `to` (exclusive), each a date (midnight
// UTC) or an RFC 3339 date and time. Either may be left out; a bad one is a 400 naming it.
// Checked here to the day: the validator's formats take "2024-02-30" (the Date it makes rolls
// over to March 1), and an export that quietly covers another period is worse than a refusal.
import { t } from 'elysia';
import { badRequest } from '../errors';

const DATE = '\\d{4}-\\d{2}-\\d{2}';
const DATE_TIME = `${DATE}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?(?:Z|[+-]\\d{2}:\\d{2})`;
const MOMENT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2})))?$/;
const EXPECTED = 'a date (2030-01-31, midnight UTC) or a date and time in RFC 3339 form (2030-01-31T12:00:00Z)';

const moment = (description: string) =>
  t.Optional(
    t.Union([t.String({ format: 'date-time', pattern: `^${DATE_TIME}$` }), t.String({ format: 'date', pattern: `^${DATE}$` })], { expected: EXPECTED, description }),
  );

export const exportQuery = t.Object({
  from: moment('Only lines at or after this moment'),
  to: moment('Only lines before this moment'),
});

export interface ExportWindow {
  fromMs: number | null;
  beforeMs: number | null;
}

export function readExportWindow(query: typeof exportQuery.static): ExportWindow {
  const fromMs = query.from === undefined ? null : parseMoment(query.from, 'from');
  const beforeMs = query.to === undefined ? null : parseMoment(query.to, 'to');
  if (fromMs !== null && beforeMs !== null && beforeMs < fromMs) throw badRequest('to must not be before from', 'to');
  return { fromMs, beforeMs };
}

/** Milliseconds since the epoch of a date or date and time, every part in its range. */
export function parseMoment(text: string, param: string): number {
  const match = MOMENT.exec(text);
  if (!match) throw badRequest(`${param} must be ${EXPECTED}`, param);
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = [1, 2, 3, 4, 5, 6, 10, 11].map((group) => Number(match[group] ?? 0)) as [number, number, number, number, number, number, number, number];
  const inRange = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59;
  if (!inRange) throw badRequest(`${param} must be a moment that exists: ${text} does not`, param);
  const utc = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0 to 99 as 1900 to 1999.
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, Number((match[7] ?? '').padEnd(3, '0').slice(0, 3)));
  const offsetSign = match[9] === '-' ? -1 : 1;
  return utc.getTime() - offsetSign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}
