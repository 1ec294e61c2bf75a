// GET /console/purchases: the key's own account's purchases, newest first, paged by an opaque
// cursor so that purchases of the same millisecond are each listed once; other accounts' never.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { recordPurchase } from '../../src/payments/purchases';
import { readJson, type TestApp } from '../support/app';
import { createCustomer } from './checkout-support';
import { createPaymentsApp } from './support';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createPaymentsApp();
});
afterAll(() => testApp.close());

async function purchase(accountId: string, intent: string, cents: number, atMs: number) {
  const input = { accountId, source: 'checkout' as const, stripePaymentIntentId: intent, stripeCheckoutSessionId: `cs_${intent}`, stripeChargeId: null, amountMinor: BigInt(cents), currency: 'usd', creditsMicros: BigInt(cents) * 10_000n };
  return (await testApp.context.db.transaction().execute((trx) => recordPurchase(trx, input, atMs))).purchase;
}

const list = async (key: string, query = '') => {
  const response = await testApp.request('GET', `/console/purchases${query}`, { token: key });
  return { status: response.status, body: await readJson(response) };
};

describe('GET /console/purchases', () => {
  test('newest first, a page at a time; purchases of one millisecond each listed once', async () => {
    const { accountId, key } = await createCustomer(testApp);
    const other = await createCustomer(testApp);
    const atMs = Date.now();
    const made = [await purchase(accountId, 'pi_a', 500, atMs - 1000)];
    for (const intent of ['pi_b', 'pi_c', 'pi_d']) made.push(await purchase(accountId, intent, 1000, atMs));
    await purchase(other.accountId, 'pi_other', 700, atMs);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: any } = await list(key, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((line: { id: string }) => line.id));
      cursor = page.body.next_cursor;
      expect(page.body.has_more).toBe(cursor !== null);
      pages += 1;
    } while (cursor !== null && pages < 5);
    expect(pages).toBe(2);
    const sameMillisecond = made.slice(1).map((line) => line.id).sort().reverse();
    expect(seen).toEqual([...sameMillisecond, made[0]!.id]);

    const all = (await list(key)).body.data;
    expect(all.at(-1)).toEqual({
      id: made[0]!.id, object: 'purchase', source: 'checkout', amount: '5.00', currency: 'usd', credits: '5.000000', refunded_credits: '0.000000',
      stripe_payment_intent_id: 'pi_a', stripe_checkout_session_id: 'cs_pi_a', stripe_charge_id: null,
      receipt: { status: 'pending', recipient: null, sent_at: null }, created_at: new Date(atMs - 1000).toISOString(),
    });
    expect(all.map((line: { stripe_payment_intent_id: string }) => line.stripe_payment_intent_id)).not.toContain('pi_other');
  });

  test('a cursor it did not give out, or a bad limit, is 400 naming it; no key is 401', async () => {
    const { key } = await createCustomer(testApp);
    for (const [query, param] of [['?cursor=bm90LWEtY3Vyc29y', 'cursor'], ['?limit=0', 'limit'], ['?limit=1.5', 'limit']]) {
      const { status, body } = await list(key, query);
      expect({ query, status, param: body.error?.param }).toEqual({ query, status: 400, param });
    }
    expect((await testApp.request('GET', '/console/purchases')).status).toBe(401);
  });
});
