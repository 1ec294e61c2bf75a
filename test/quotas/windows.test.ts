// The calendar windows quotas count in (UTC minute, day and month) and OpenAI's reset format.
import { describe, expect, test } from 'bun:test';
import { durationText, retryAfterSeconds, windowsAt } from '../../src/quotas/windows';

describe('windowsAt', () => {
  test('a minute, a day and a month end where the UTC calendar says', () => {
    const windows = windowsAt(Date.UTC(2031, 1, 28, 23, 59, 59, 999));
    expect(new Date(windows.minuteEndMs).toISOString()).toBe('2031-03-01T00:00:00.000Z');
    expect(new Date(windows.dayEndMs).toISOString()).toBe('2031-03-01T00:00:00.000Z');
    expect(new Date(windows.monthEndMs).toISOString()).toBe('2031-03-01T00:00:00.000Z');
    const next = windowsAt(windows.minuteEndMs);
    expect([next.minute - windows.minute, next.day - windows.day, next.month - windows.month]).toEqual([1, 1, 1]);
  });

  test('a leap February and December roll over to the right month and year', () => {
    expect(new Date(windowsAt(Date.UTC(2032, 1, 10)).monthEndMs).toISOString()).toBe('2032-03-01T00:00:00.000Z');
    const december = windowsAt(Date.UTC(2031, 11, 31, 12));
    expect(new Date(december.monthEndMs).toISOString()).toBe('2032-01-01T00:00:00.000Z');
    expect(windowsAt(december.monthEndMs).month).toBe(december.month + 1);
  });

  test('the same instant names the same windows, one millisecond before a boundary the previous ones', () => {
    const at = Date.UTC(2031, 4, 14, 9, 30);
    expect(windowsAt(at)).toEqual(windowsAt(at + 59_999));
    expect(windowsAt(at - 1).minute).toBe(windowsAt(at).minute - 1);
  });
});

describe('durationText (x-ratelimit-reset-*)', () => {
  test("Go's duration format, as OpenAI sends it", () => {
    expect([1, 999, 1000, 1001, 50_000, 60_000, 360_000, 52_190_000, 86_400_000].map(durationText)).toEqual(['1ms', '999ms', '1s', '2s', '50s', '1m0s', '6m0s', '14h29m50s', '24h0m0s']);
  });

  test('Retry-After is whole seconds, rounded up, never 0', () => {
    expect([1, 1000, 1001, 50_000].map(retryAfterSeconds)).toEqual([1, 1, 2, 50]);
  });
});
