// How much of each purchase a refund takes back, and the money it returns for it. Pure.
//
// A purchase's refundable credit is the unused credit of its paid grant (remaining, less what
// reservations hold), and never more than it granted less what earlier refunds took back. Promo
// credit is in no purchase's grant, so it is never refunded. Money is returned at the price the
// customer paid for that purchase (amount_minor for credits_micros: credits_per_usd at the
// time), rounded down to a cent; then only the credit that money is worth (rounded up to a
// micro-credit) is taken back, so the refund never returns more money than the credit it takes
// is worth, and the sub-cent rest stays spendable in the wallet. A purchase with less than a
// cent's worth left is not refunded at all.
import { assert } from '../shared/assert';
import type { Purchase } from './purchases';

export interface PlannedItem {
  purchase: Purchase;
  creditsMicros: bigint;
  amountMinor: bigint;
}

export function planRefund(purchases: readonly Purchase[], unusedByGrant: ReadonlyMap<string, bigint>): PlannedItem[] {
  const items: PlannedItem[] = [];
  for (const purchase of purchases) {
    const unused = unusedByGrant.get(purchase.grantId) ?? 0n;
    const left = purchase.creditsMicros - purchase.refundedMicros;
    const refundable = unused < left ? unused : left;
    if (refundable <= 0n) continue;
    const amountMinor = (refundable * purchase.amountMinor) / purchase.creditsMicros;
    if (amountMinor <= 0n) continue;
    const creditsMicros = (amountMinor * purchase.creditsMicros + purchase.amountMinor - 1n) / purchase.amountMinor;
    assert(creditsMicros <= refundable, 'a refund takes back no more credit than is refundable');
    assert(creditsMicros * purchase.amountMinor >= amountMinor * purchase.creditsMicros, 'a refund returns no more money than its credit is worth');
    items.push({ purchase, creditsMicros, amountMinor });
  }
  return items;
}

export function totalsOf(items: readonly PlannedItem[]): { creditsMicros: bigint; amountMinor: bigint } {
  return items.reduce((sum, item) => ({ creditsMicros: sum.creditsMicros + item.creditsMicros, amountMinor: sum.amountMinor + item.amountMinor }), { creditsMicros: 0n, amountMinor: 0n });
}
