// What credit costs: the packs on offer and custom amounts, in US cents, and the credits each
// buys at `credits_per_usd`. Pure functions over the config; checkout and the console use them.
import type { Config } from '../config';
import { badRequest } from '../errors';
import { BALANCE_MICROS_MAX } from '../ledger/model';
import { formatCents, parseCreditsToMicros, parseUsdToCents } from '../shared/money';

type Wallet = Config['wallet'];

export interface PriceOfCredit {
  cents: bigint;
  creditsMicros: bigint;
}

export interface ChosenPurchase extends PriceOfCredit {
  /** The pack bought, as its amount ("20.00"); null for a custom amount. */
  pack: string | null;
}

/** A dollar amount of the config (validated there: whole cents) in cents. */
export function usdToCents(usd: number): bigint {
  return BigInt(Math.round(usd * 100));
}

/**
 * The credits `cents` buy, rounded down to a whole micro-credit (a fraction of one can arise
 * only from a credits_per_usd with 6 decimals). Exact: no floating point touches the amount.
 */
export function creditsMicrosForCents(cents: bigint, creditsPerUsd: number): bigint {
  const perUsdMicros = parseCreditsToMicros(creditsPerUsd);
  // The config refuses a credits_per_usd this cannot read.
  if (perUsdMicros === null) throw new Error(`credits_per_usd ${creditsPerUsd} is not a decimal of credits`);
  return (cents * perUsdMicros) / 100n;
}

export function listPacks(wallet: Wallet): PriceOfCredit[] {
  return wallet.packsUsd.map((usd) => {
    const cents = usdToCents(usd);
    return { cents, creditsMicros: creditsMicrosForCents(cents, wallet.creditsPerUsd) };
  });
}

/** What a checkout body buys: one of the packs, or a custom amount within the bounds; 400 naming the field otherwise. */
export function choosePurchase(wallet: Wallet, input: { pack?: string; amountUsd?: string }): ChosenPurchase {
  if (input.pack !== undefined && input.amountUsd !== undefined) throw badRequest('Give either pack or amount_usd, not both.', 'amount_usd');
  if (input.pack !== undefined) return choosePack(wallet, input.pack);
  if (input.amountUsd === undefined) throw badRequest('Give pack (one of GET /console/packs) or amount_usd.', 'pack');
  const cents = parseUsdToCents(input.amountUsd);
  if (cents === null) throw badRequest('amount_usd must be an amount of US dollars with at most 2 decimals, like "25" or "12.50".', 'amount_usd');
  const min = usdToCents(wallet.minCustomUsd);
  const max = usdToCents(wallet.maxCustomUsd);
  if (cents < min || cents > max) throw badRequest(`amount_usd must be from ${formatCents(min)} to ${formatCents(max)} US dollars.`, 'amount_usd');
  return { cents, creditsMicros: creditsOf(cents, wallet, 'amount_usd'), pack: null };
}

function choosePack(wallet: Wallet, pack: string): ChosenPurchase {
  const cents = parseUsdToCents(pack);
  const offered = listPacks(wallet).find((candidate) => candidate.cents === cents);
  if (!offered) throw badRequest(`pack must be one of ${wallet.packsUsd.map((usd) => `"${formatCents(usdToCents(usd))}"`).join(', ')}.`, 'pack');
  return { cents: offered.cents, creditsMicros: creditsOf(offered.cents, wallet, 'pack'), pack: formatCents(offered.cents) };
}

/** Credits for the amount, refused before the customer pays if no wallet could take them. */
function creditsOf(cents: bigint, wallet: Wallet, param: string): bigint {
  const creditsMicros = creditsMicrosForCents(cents, wallet.creditsPerUsd);
  if (creditsMicros <= 0n || creditsMicros > BALANCE_MICROS_MAX) throw badRequest(`${param} buys ${creditsMicros} micro-credits, which no wallet can be credited.`, param);
  return creditsMicros;
}
