// The page's formatting of amounts (src/console/page/assets/format.mjs), run here as the
// browser runs it: decimal strings of credits shown by their digits, scaled as BigInt.
import { describe, expect, test } from 'bun:test';
import { loadPageModule } from './page-modules';

const format = await loadPageModule('format.mjs');

describe('console page formatting', () => {
  test('amounts keep their digits: trailing zeros cut to two decimals, thousands grouped, no float', () => {
    expect(format.formatCredits('0.000000')).toBe('0.00');
    expect(format.formatCredits('12.345600')).toBe('12.3456');
    expect(format.formatCredits('1234567.100000')).toBe('1,234,567.10');
    expect(format.formatCredits('-0.000001')).toBe('-0.000001');
    // A float would print 9007199254740993 as ...992.
    expect(format.formatCredits('9007199254740993.000001')).toBe('9,007,199,254,740,993.000001');
    expect(format.formatCredits('not an amount')).toBe('not an amount');
  });

  test('amounts for a form field: no grouping, no trailing zeros', () => {
    expect(format.plainCredits('20.500000')).toBe('20.5');
    expect(format.plainCredits('1000.000000')).toBe('1000');
    expect(format.plainCredits('0.000000')).toBe('0');
  });

  test('micro-credits both ways, as BigInt', () => {
    expect(format.toMicros('1.5')).toBe(1_500_000n);
    expect(format.toMicros('-0.000002')).toBe(-2n);
    expect(format.toMicros('12')).toBe(12_000_000n);
    expect(format.toMicros('1e3')).toBeNull();
    expect(format.microsToCredits(1_500_000n)).toBe('1.500000');
    expect(format.microsToCredits(7n)).toBe('0.000007');
    expect(format.microsToCredits(-20_000n)).toBe('-0.020000');
  });

  test('counts, percentages and times', () => {
    expect(format.formatCount(1234567)).toBe('1,234,567');
    expect(format.formatPercent(null)).toBe('—');
    expect(format.formatPercent(12.345)).toBe('+12.3%');
    expect(format.formatPercent(-50)).toBe('-50%');
    expect(format.formatTime('2026-12-02T10:20:30.000Z')).toBe('2026-12-02 10:20 UTC');
  });
});
