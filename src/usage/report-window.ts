// The calendar of a usage report: which UTC days its window, the window before it, the current
// month and the projection's trailing week cover. Pure: days are day indexes (rollup.ts).
import { badRequest } from '../errors';
import { dayIndexOf, MS_PER_DAY } from './rollup';

export const REPORT_DAYS = [7, 14, 30] as const;
export type ReportDays = (typeof REPORT_DAYS)[number];

/** Days the projection averages: the full UTC days just before today. */
export const PROJECTION_DAYS = 7n;

export interface DayRange {
  first: bigint;
  last: bigint;
}

export interface ReportCalendar {
  nowMs: number;
  days: ReportDays;
  today: bigint;
  window: DayRange;
  previous: DayRange;
  month: DayRange & { startMs: number; endMs: number };
  projection: DayRange;
  /** The earliest day any figure reads. */
  firstDay: bigint;
}

/** `?days=`: absent means 7; anything but 7, 14 or 30 is a 400 naming the parameter. */
export function parseReportDays(value: string | undefined): ReportDays {
  if (value === undefined) return 7;
  const days = REPORT_DAYS.find((allowed) => String(allowed) === value);
  if (days === undefined) throw badRequest(`days must be one of ${REPORT_DAYS.join(', ')}.`, 'days');
  return days;
}

export function reportCalendar(days: ReportDays, nowMs: number): ReportCalendar {
  const today = dayIndexOf(nowMs);
  const span = BigInt(days);
  const window = { first: today - span + 1n, last: today };
  const previous = { first: window.first - span, last: window.first - 1n };
  const now = new Date(nowMs);
  const startMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const endMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const month = { first: dayIndexOf(startMs), last: today, startMs, endMs };
  const projection = { first: today - PROJECTION_DAYS, last: today - 1n };
  const firstDay = [previous.first, month.first, projection.first].reduce((a, b) => (a < b ? a : b));
  return { nowMs, days, today, window, previous, month, projection, firstDay };
}

/** Every day of the range, oldest first. */
export function daysOf(range: DayRange): bigint[] {
  const list: bigint[] = [];
  for (let day = range.first; day <= range.last; day++) list.push(day);
  return list;
}

export function inRange(day: bigint, range: DayRange): boolean {
  return day >= range.first && day <= range.last;
}

/** A day index as its ISO calendar date (2026-12-02). */
export function isoDate(day: bigint): string {
  return new Date(Number(day) * MS_PER_DAY).toISOString().slice(0, 10);
}
