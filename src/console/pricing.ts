// What GET /console/pricing answers: the live prices the key's account pays, read from the
// running configuration (so a reload changes them here as it changes the charges). The
// console is where a customer learns current pricing; every figure is the one the gateway and
// the deployments bill with, formatted, never a copy kept elsewhere.
import { t } from 'elysia';
import type { Config, PriceConfig } from '../config';
import { packsAnswer, packsJson } from '../payments/pack-model';
import { formatMicros } from '../shared/money';

const credits = (description: string) => t.String({ description: `${description}, in credits (decimal string)` });

const modelPrice = t.Object({
  model: t.String(),
  input_per_million: credits('Per million prompt tokens'),
  output_per_million: credits('Per million completion tokens'),
  image: credits('Per generated image'),
  audio_second: credits('Per second of audio'),
  video_second: credits('Per second of video'),
  /** Output tokens a request without max_tokens reserves (the most it can be charged for). */
  max_output_tokens: t.Integer({ description: 'Output tokens reserved for a request that sets no max_tokens' }),
});

export const pricingAnswer = t.Object({
  object: t.Literal('pricing'),
  /** How the key is billed: credits from the wallet, or the account's plan (no token charges). */
  billing: t.Union([t.Literal('credits'), t.Literal('plan')]),
  models: t.Array(modelPrice, { description: 'The models this key may use, each at the price it is charged' }),
  default: t.Omit(modelPrice, ['model'], { description: 'The price of a model without a price of its own' }),
  instance_types: t.Array(t.Object({ name: t.String(), per_hour: credits('Per hour a dedicated deployment runs, partial hours rounded up') })),
  packs: packsAnswer,
});

export function pricingJson(config: Config, billing: 'credits' | 'plan', models: readonly string[]): typeof pricingAnswer.static {
  const priceOf = (model: string) => (Object.hasOwn(config.prices.models, model) ? config.prices.models[model]! : config.prices.default);
  return {
    object: 'pricing',
    billing,
    models: [...models].sort().map((model) => ({ model, ...priceJson(priceOf(model)) })),
    default: priceJson(config.prices.default),
    instance_types: Object.entries(config.instanceTypes)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, type]) => ({ name, per_hour: formatMicros(type.perHourMicros) })),
    packs: packsJson(config.wallet),
  };
}

function priceJson(price: PriceConfig) {
  return {
    input_per_million: formatMicros(price.inputPerMillionMicros),
    output_per_million: formatMicros(price.outputPerMillionMicros),
    image: formatMicros(price.imageMicros),
    audio_second: formatMicros(price.audioSecondMicros),
    video_second: formatMicros(price.videoSecondMicros),
    max_output_tokens: price.maxOutputTokens,
  };
}
