// Money formatting (src/shared/money.ts): the one place decimal strings of credits become
// bigint micro-credits and back. Exact both ways, and anything else is refused, never rounded.
import { describe, expect, test } from 'bun:test';
import { divideRoundingUp, formatMicros, MICROS_PER_CREDIT, parseCreditsToMicros } from '../../src/shared/money';

describe('parseCreditsToMicros', () => {
  test.each([
    ['25', 25_000_000n],
    ['0.5', 500_000n],
    ['12.000001', 12_000_001n],
    ['0.000001', 1n],
    ['  7.25 ', 7_250_000n],
    ['999999999999.999999', 999_999_999_999_999_999n],
    ['0', 0n],
  ])('"%s" is %p micro-credits', (text, micros) => {
    expect(parseCreditsToMicros(text)).toBe(micros);
  });

  test.each(['', '-1', '+1', '1.1234567', '1e3', '1.', '.5', 'ten', '1,5', '0x10', '1 000', '1234567890123'])('"%s" is refused', (text) => {
    expect(parseCreditsToMicros(text)).toBeNull();
  });

  test('config numbers parse through their shortest decimal text', () => {
    expect(parseCreditsToMicros(0.75)).toBe(750_000n);
    expect(parseCreditsToMicros(0.1 + 0.2)).toBeNull(); // 0.30000000000000004 has more than 6 places
    expect(parseCreditsToMicros(20)).toBe(20_000_000n);
  });

  test.each([-1, Number.NaN, Number.POSITIVE_INFINITY, 1e21, 1e-7])('the number %p is refused', (value) => {
    expect(parseCreditsToMicros(value)).toBeNull();
  });
});

describe('formatMicros', () => {
  test.each([
    [0n, '0.000000'],
    [1n, '0.000001'],
    [1_500_000n, '1.500000'],
    [-250n, '-0.000250'],
    [-3_000_001n, '-3.000001'],
    [123_456_789_012_345_678n, '123456789012.345678'],
  ])('%p is "%s"', (micros, text) => {
    expect(formatMicros(micros)).toBe(text);
  });

  test('every formatted amount parses back to itself', () => {
    for (const micros of [0n, 1n, 999_999n, MICROS_PER_CREDIT, 42_424_242n, 999_999_999_999_999_999n]) {
      expect(parseCreditsToMicros(formatMicros(micros))).toBe(micros);
    }
  });
});

describe('divideRoundingUp', () => {
  test('a partial unit is a whole one; exact quotients stay; nothing and less cost nothing', () => {
    expect(divideRoundingUp(1n, 1_000_000n)).toBe(1n);
    expect(divideRoundingUp(1_000_000n, 1_000_000n)).toBe(1n);
    expect(divideRoundingUp(1_000_001n, 1_000_000n)).toBe(2n);
    expect(divideRoundingUp(0n, 7n)).toBe(0n);
    expect(divideRoundingUp(-5n, 7n)).toBe(0n);
  });
});
