// The refund plan's arithmetic (src/payments/refund-plan.ts): at most the unused credit of each
// purchase's grant and never more than it granted less earlier refunds; money at the purchase's
// own price, rounded down to a cent, and only the credit that money is worth taken back.
import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import type { Purchase } from '../../src/payments/purchases';
import { planRefund } from '../../src/payments/refund-plan';

function purchase(id: string, amountMinor: bigint, creditsMicros: bigint, refundedMicros = 0n): Purchase {
  return {
    id,
    accountId: 'acct_plan',
    source: 'checkout',
    stripePaymentIntentId: `pi_${id}`,
    stripeCheckoutSessionId: null,
    stripeChargeId: null,
    amountMinor,
    currency: 'usd',
    creditsMicros,
    grantId: `grant_${id}`,
    transactionId: `txn_${id}`,
    refundedMicros,
    createdAtMs: 0,
  };
}

const plan = (purchases: Purchase[], unused: Record<string, bigint>) =>
  planRefund(purchases, new Map(Object.entries(unused))).map((item) => ({ id: item.purchase.id, credits: item.creditsMicros, cents: item.amountMinor }));

describe('refund plan', () => {
  test('each purchase refunds the lesser of its unused credit and what earlier refunds left', () => {
    const purchases = [purchase('a', 5000n, 50_000_000n), purchase('b', 1000n, 10_000_000n, 4_000_000n), purchase('c', 2000n, 20_000_000n)];
    expect(plan(purchases, { grant_a: 50_000_000n, grant_b: 9_000_000n, grant_c: 0n })).toEqual([
      { id: 'a', credits: 50_000_000n, cents: 5000n },
      { id: 'b', credits: 6_000_000n, cents: 600n },
    ]);
  });

  test('at 3 credits per dollar: 10 credits are worth 333 cents, so 9.99 credits are taken and 0.01 stay', () => {
    // $10 bought 30 credits; 10 are unused: $3.333…, rounded down to $3.33, which is 9.99 credits.
    expect(plan([purchase('a', 1000n, 30_000_000n)], { grant_a: 10_000_000n })).toEqual([{ id: 'a', credits: 9_990_000n, cents: 333n }]);
    // Less than a cent's worth left: not refunded at all.
    expect(plan([purchase('a', 1000n, 30_000_000n)], { grant_a: 29_999n })).toEqual([]);
  });

  test('never more money than the credit taken back is worth, nor more credit than is refundable', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 50n, max: 10_000_000n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 0n, max: 10n ** 12n }), (cents, credits, unusedRaw) => {
        const unused = unusedRaw % (credits + 1n);
        const [item] = planRefund([purchase('p', cents, credits)], new Map([['grant_p', unused]]));
        if (!item) return (unused * cents) / credits === 0n;
        return item.creditsMicros <= unused && item.amountMinor * credits <= item.creditsMicros * cents && item.amountMinor === (unused * cents) / credits;
      }),
    );
  });
});
