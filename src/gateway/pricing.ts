// Price math in integer micro-credits. One rounding rule: a request's cost is the exact sum
// of its parts in "micro-credits per million tokens" units, rounded up once to a whole
// micro-credit. So 1 token at 0.75 credits per million costs 1 micro-credit, never 0.
import type { Config, PriceConfig } from '../config';
import { divideRoundingUp } from '../shared/money';

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** A model's price. Own keys only: a client's model "valueOf" or "__proto__" must not find Object's. */
export function priceFor(config: Config, model: string): PriceConfig {
  return Object.hasOwn(config.prices.models, model) ? config.prices.models[model]! : config.prices.default;
}

export function costOfUsage(price: PriceConfig, usage: TokenUsage): bigint {
  const scaled =
    BigInt(usage.promptTokens) * price.inputPerMillionMicros + BigInt(usage.completionTokens) * price.outputPerMillionMicros;
  return divideRoundingUp(scaled, 1_000_000n);
}
