// Price math (src/gateway/pricing.ts): a request's cost is the exact sum of its parts, rounded
// up once to a whole micro-credit, and each model has its price or the default one.
import { describe, expect, test } from 'bun:test';
import { parseConfig, type PriceConfig } from '../../src/config';
import { costOfUsage, priceFor } from '../../src/gateway/pricing';

const price = (inputPerMillionMicros: bigint, outputPerMillionMicros: bigint): PriceConfig => ({
  inputPerMillionMicros,
  outputPerMillionMicros,
  imageMicros: 0n,
  audioSecondMicros: 0n,
  videoSecondMicros: 0n,
  maxOutputTokens: 16,
});

describe('costOfUsage', () => {
  test('one token at 0.75 credits per million costs 1 micro-credit, never 0', () => {
    expect(costOfUsage(price(750_000n, 750_000n), { promptTokens: 1, completionTokens: 0 })).toBe(1n);
    expect(costOfUsage(price(750_000n, 750_000n), { promptTokens: 0, completionTokens: 1 })).toBe(1n);
  });

  test('no tokens cost nothing', () => {
    expect(costOfUsage(price(750_000n, 750_000n), { promptTokens: 0, completionTokens: 0 })).toBe(0n);
  });

  test('the parts are summed before the one rounding, not rounded each', () => {
    // 0.4 + 0.4 micro-credits: 1 when summed first, 2 if each part were rounded up.
    expect(costOfUsage(price(400_000n, 400_000n), { promptTokens: 1, completionTokens: 1 })).toBe(1n);
    // 1.5 + 0.6 = 2.1 micro-credits: 3.
    expect(costOfUsage(price(1_500_000n, 600_000n), { promptTokens: 1, completionTokens: 1 })).toBe(3n);
  });

  test('a whole number of micro-credits is not rounded up', () => {
    expect(costOfUsage(price(1_000_000n, 2_000_000n), { promptTokens: 1_000_000, completionTokens: 500_000 })).toBe(2_000_000n);
    expect(costOfUsage(price(750_000n, 750_000n), { promptTokens: 4, completionTokens: 0 })).toBe(3n);
  });

  test('input and output are priced apart', () => {
    expect(costOfUsage(price(200_000n, 600_000n), { promptTokens: 1_000_000, completionTokens: 0 })).toBe(200_000n);
    expect(costOfUsage(price(200_000n, 600_000n), { promptTokens: 0, completionTokens: 1_000_000 })).toBe(600_000n);
  });

  test('counts far beyond 2^53 micro-credits stay exact (bigint all the way)', () => {
    const cost = costOfUsage(price(999_999_999_999n, 0n), { promptTokens: 2_147_483_647 * 128, completionTokens: 0 });
    expect(cost).toBe((999_999_999_999n * 2_147_483_647n * 128n + 999_999n) / 1_000_000n);
  });
});

describe('priceFor', () => {
  const config = parseConfig(
    { prices: { default: { input_per_million: 0.75, output_per_million: 1.5 }, 'llama-8b': { input_per_million: 0.2 } } },
    {},
  );

  test("a model with its own table gets it; the keys it leaves out come from the default", () => {
    const llama = priceFor(config, 'llama-8b');
    expect(llama.inputPerMillionMicros).toBe(200_000n);
    expect(llama.outputPerMillionMicros).toBe(1_500_000n);
  });

  test('any other model gets the default price', () => {
    expect(priceFor(config, 'unknown-model')).toBe(config.prices.default);
    expect(config.prices.default.inputPerMillionMicros).toBe(750_000n);
  });

  // Found by the fuzz test: a chat request for the model "valueOf" answered 500, its price being
  // Object.prototype.valueOf.
  test("names of Object's own members are models like any other", () => {
    for (const model of ['valueOf', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) expect(priceFor(config, model)).toBe(config.prices.default);
  });
});
