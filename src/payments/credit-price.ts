// Credits and the money they cost: 1 credit = 1 USD unless [wallet] credits_per_usd says
// otherwise. Money is counted in cents, Stripe's smallest unit of the one currency sold, usd.
import type { Config } from '../config';
import { MICROS_PER_CREDIT, parseCreditsToMicros } from '../shared/money';

export const CURRENCY = 'usd';
const CENTS_PER_USD = 100n;

/** Micro-credits one US dollar buys. */
export function microsPerUsd(wallet: Config['wallet']): bigint {
  // credits_per_usd is a config number; with more than 6 decimals it is rounded to a micro-credit.
  return parseCreditsToMicros(wallet.creditsPerUsd) ?? BigInt(Math.round(wallet.creditsPerUsd * Number(MICROS_PER_CREDIT)));
}

/** The cents `creditsMicros` cost; null when that is not a whole number of cents. */
export function centsForCredits(wallet: Config['wallet'], creditsMicros: bigint): bigint | null {
  const scaled = creditsMicros * CENTS_PER_USD;
  const perUsd = microsPerUsd(wallet);
  return scaled % perUsd === 0n ? scaled / perUsd : null;
}

/** The fewest credits one payment may buy: min_custom_usd's worth, rounded up to a micro-credit. */
export function minPaymentMicros(wallet: Config['wallet']): bigint {
  const cents = BigInt(Math.round(wallet.minCustomUsd * 100));
  return (cents * microsPerUsd(wallet) + CENTS_PER_USD - 1n) / CENTS_PER_USD;
}

/** Cents as a decimal string of dollars: 1234n → "12.34". */
export function formatCents(cents: bigint): string {
  return `${cents / CENTS_PER_USD}.${(cents % CENTS_PER_USD).toString().padStart(2, '0')}`;
}
