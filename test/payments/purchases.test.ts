// A Stripe payment becomes one purchase and one paid grant, whatever number of times, and in
// however many concurrent transactions, it is recorded (src/payments/purchases.ts).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import * as ledger from '../../src/ledger/service';
import { recordPurchase, type PurchaseInput } from '../../src/payments/purchases';
import { expectAuditClean } from '../support/audit';
import { createAccountWithKey, createTestApp, type TestApp } from '../support/app';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp({ wallet: { trial_credits: 0 } });
});
afterAll(() => testApp.close());

function purchaseOf(accountId: string, paymentIntent: string): PurchaseInput {
  return { accountId, source: 'checkout', stripePaymentIntentId: paymentIntent, stripeCheckoutSessionId: 'cs_test_1', stripeChargeId: null, amountMinor: 1000n, currency: 'usd', creditsMicros: 10_000_000n };
}

describe('purchases', () => {
  test('a payment credits its account once, recorded again or concurrently', async () => {
    const { accountId } = await createAccountWithKey(testApp);
    const db = testApp.context.db;
    const input = purchaseOf(accountId, 'pi_once');
    const first = await db.transaction().execute((trx) => recordPurchase(trx, input, Date.now()));
    expect(first.replayed).toBe(false);
    const again = await Promise.all(Array.from({ length: 5 }, () => db.transaction().execute((trx) => recordPurchase(trx, input, Date.now()))));
    expect(again.map((result) => [result.replayed, result.purchase.id])).toEqual(Array.from({ length: 5 }, () => [true, first.purchase.id]));
    const wallet = await ledger.getWalletSummary(db, accountId, Date.now());
    expect(wallet.balanceMicros).toBe(10_000_000n);
    const rows = await db.selectFrom('purchases').select(['grant_id', 'transaction_id']).where('account_id', '=', accountId).execute();
    expect(rows).toEqual([{ grant_id: first.purchase.grantId, transaction_id: first.purchase.transactionId }]);
    const memo = await db.selectFrom('ledger_transactions').select('memo').where('id', '=', first.purchase.transactionId).executeTakeFirstOrThrow();
    expect(memo.memo).toBe('Stripe payment pi_once cs_test_1');
    await expectAuditClean(db);
  });

  test('concurrent first deliveries of one payment still credit once', async () => {
    const { accountId } = await createAccountWithKey(testApp);
    const db = testApp.context.db;
    const input = purchaseOf(accountId, 'pi_race');
    const results = await Promise.all(Array.from({ length: 8 }, () => db.transaction().execute((trx) => recordPurchase(trx, input, Date.now()))));
    expect(results.filter((result) => !result.replayed).length).toBe(1);
    expect(new Set(results.map((result) => result.purchase.id)).size).toBe(1);
    expect((await ledger.getWalletSummary(db, accountId, Date.now())).balanceMicros).toBe(10_000_000n);
    await expectAuditClean(db);
  });
});
