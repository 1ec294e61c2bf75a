// Schemas of the credit pack routes (GET /console/packs, POST /console/checkout) and the packs
// answer. Dollars are decimal strings with 2 places, credits with 6.
import { t } from 'elysia';
import type { Config } from '../config';
import { formatCents, formatMicros, parseCreditsToMicros } from '../shared/money';
import { listPacks, usdToCents } from './packs';

const usd = (description: string) => t.String({ pattern: '^\\d+\\.\\d{2}$', description });
const credits = (description: string) => t.String({ pattern: '^\\d+\\.\\d{6}$', description });

export const packsAnswer = t.Object({
  object: t.Literal('packs'),
  currency: t.Literal('usd'),
  credits_per_usd: credits('Credits one US dollar buys'),
  packs: t.Array(
    t.Object({
      amount_usd: usd('What the pack costs; POST /console/checkout {"pack": amount_usd} buys it'),
      credits: credits('The credits it adds to the wallet (paid credit, never expiring)'),
    }),
  ),
  custom: t.Object({
    min_usd: usd('The least POST /console/checkout {"amount_usd"} takes'),
    max_usd: usd('The most it takes'),
  }),
});

export function packsJson(wallet: Config['wallet']): typeof packsAnswer.static {
  return {
    object: 'packs',
    currency: 'usd',
    credits_per_usd: formatMicros(parseCreditsToMicros(wallet.creditsPerUsd)!),
    packs: listPacks(wallet).map((pack) => ({ amount_usd: formatCents(pack.cents), credits: formatMicros(pack.creditsMicros) })),
    custom: { min_usd: formatCents(usdToCents(wallet.minCustomUsd)), max_usd: formatCents(usdToCents(wallet.maxCustomUsd)) },
  };
}

export const packCheckoutBody = t.Object(
  {
    pack: t.Optional(t.String({ minLength: 1, maxLength: 16, description: 'A pack of GET /console/packs, by its amount_usd ("20.00"; "20" too)' })),
    amount_usd: t.Optional(t.String({ minLength: 1, maxLength: 16, description: 'A custom amount of US dollars, at most 2 decimals, within GET /console/packs custom' })),
  },
  { additionalProperties: false, description: 'Exactly one of pack and amount_usd' },
);
