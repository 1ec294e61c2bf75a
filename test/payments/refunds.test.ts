// Acceptance (issue 11, point 5): refunds of unused paid credit, after an admin's approval,
// through the Stripe fake. Credit is bought the way an owner buys it here (an auto-refill paid
// by a signed payment_intent.succeeded), spent through the gateway, and refunded; promo credit
// is never refunded; approving twice, or ten times at once, debits once and makes one Stripe
// refund; charge.refunded confirms it; disputes hold refunds. The books audit clean after each.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import Stripe from 'stripe';
import { listAlerts } from '../../src/alerts/service';
import * as ledger from '../../src/ledger/service';
import { readJson } from '../support/app';
import { expectAuditClean } from '../support/audit';
import { chargeRefundedEvent, disputeEvent, paymentIntentEvent } from '../support/fake-stripe/payment-events';
import {
  createRefillCustomer,
  createRefillFixture,
  deliver,
  getAutoRefill,
  saveCard,
  setAutoRefill,
  spend,
  walletOf,
  type RefillCustomer,
  type RefillFixture,
} from './refill-support';

setDefaultTimeout(30_000);

let fixture: RefillFixture;
beforeAll(async () => {
  // Every account starts with the trial: 20 promo credits that expire in 30 days.
  fixture = await createRefillFixture({ wallet: { trial_credits: 20, trial_expires_days: 30 } });
});
afterAll(() => fixture.close());

interface Buyer extends RefillCustomer {
  paymentIntentId: string;
  purchaseId: string;
}

/** An account with its 20 trial (promo) credits that bought 50 credits for $50 (an auto-refill, paid). */
async function buyerOf50(): Promise<Buyer> {
  const customer = await createRefillCustomer(fixture, null);
  await saveCard(fixture, customer);
  // The balance (20) is below 21: turning auto-refill on buys 50 at once; then it is turned off.
  expect((await setAutoRefill(fixture, customer, { enabled: true, threshold: '21', amount: '50' })).status).toBe(200);
  const intent = [...fixture.stripe.payments.intents.values()].find((candidate) => candidate.metadata.account_id === customer.accountId)!;
  await deliver(fixture, paymentIntentEvent('payment_intent.succeeded', intent, fixture.clock.nowMs));
  expect((await setAutoRefill(fixture, customer, { enabled: false, threshold: '21', amount: '50' })).status).toBe(200);
  const wallet = await walletOf(fixture, customer);
  expect({ paid: wallet.paid, promo: wallet.promo }).toEqual({ paid: '50.000000', promo: '20.000000' });
  const purchase = await fixture.testApp.context.db.selectFrom('purchases').select('id').where('account_id', '=', customer.accountId).executeTakeFirstOrThrow();
  return { ...customer, paymentIntentId: intent.id, purchaseId: purchase.id };
}

/** Spends 1-credit requests, then has the meter give its lease back (the lease holds credit it has not spent). */
async function spendAll(customer: RefillCustomer, requests: number): Promise<void> {
  await spend(fixture, customer, requests);
  await fixture.testApp.context.meter.close();
}

/** Moves the clock on a millisecond, so that what happens next is strictly newer (lists order by time). */
const tick = () => fixture.clock.advance(1);

const ask = (customer: RefillCustomer, reason = 'no longer needed') => fixture.testApp.request('POST', '/console/refunds', { body: { reason }, token: customer.key });
const approve = (refundId: string) => fixture.testApp.admin('POST', `/admin/refunds/${refundId}/approve`);
const reject = (refundId: string) => fixture.testApp.admin('POST', `/admin/refunds/${refundId}/reject`);
const refundCalls = (buyer: Buyer) => fixture.stripe.callsTo('POST', '/v1/refunds').filter((call) => call.params.payment_intent === buyer.paymentIntentId);
const stripeRefunds = (buyer: Buyer) => [...fixture.stripe.payments.refunds.values()].filter((refund) => refund.payment_intent === buyer.paymentIntentId);

async function refundTransactions(accountId: string) {
  const rows = await fixture.testApp.context.db.selectFrom('ledger_transactions').select(['amount_micros', 'idempotency_key']).where('account_id', '=', accountId).where('kind', '=', 'refund').execute();
  return rows.map((row) => ({ amount: BigInt(row.amount_micros), key: row.idempotency_key }));
}

async function refundedOfPurchase(purchaseId: string): Promise<bigint> {
  const row = await fixture.testApp.context.db.selectFrom('purchases').select(['refunded_micros', 'credits_micros']).where('id', '=', purchaseId).executeTakeFirstOrThrow();
  expect(BigInt(row.refunded_micros)).toBeLessThanOrEqual(BigInt(row.credits_micros));
  return BigInt(row.refunded_micros);
}

async function requestRefund(buyer: Buyer): Promise<any> {
  const response = await ask(buyer);
  expect(response.status).toBe(201);
  return readJson(response);
}

describe('refunds', () => {
  test('paid 50, spent 20 with the promo 20 spent first: 50 refundable; approved twice, one debit and one Stripe refund; promo never refunded', async () => {
    const buyer = await buyerOf50();
    // Spending order: soonest-expiring first, promo before paid. The trial expires in 30 days and
    // the purchase never does, so the 20 credits spent all come from the promo grant: the paid
    // grant is untouched, and its 50 unused credits are what the rules refund ($50, bought at
    // 1 credit per dollar). The promo credit (spent here) is never refundable anyway.
    await spendAll(buyer, 20);
    expect(await walletOf(fixture, buyer)).toMatchObject({ balance: '50.000000', paid: '50.000000', promo: '0.000000', reserved: '0.000000' });

    const requested = await requestRefund(buyer);
    expect({ status: requested.status, refundable: requested.refundable, credits: requested.credits, items: requested.items }).toEqual({
      status: 'requested',
      refundable: { credits: '50.000000', amount_usd: '50.00', held: false },
      credits: null,
      items: [],
    });
    const listed = await readJson(await fixture.testApp.admin('GET', '/admin/refunds?status=requested'));
    expect(listed.data.map((refund: { id: string }) => refund.id)).toContain(requested.id);
    await expectAuditClean(fixture.testApp.context.db);

    const first = await approve(requested.id);
    const second = await approve(requested.id);
    expect([first.status, second.status]).toEqual([200, 200]);
    const approved = await readJson(first);
    expect(await readJson(second)).toEqual(approved);
    expect({ status: approved.status, credits: approved.credits, amount_usd: approved.amount_usd, refundable: approved.refundable }).toEqual({
      status: 'approved',
      credits: '50.000000',
      amount_usd: '50.00',
      refundable: null,
    });
    expect(approved.items).toEqual([
      { purchase_id: buyer.purchaseId, credits: '50.000000', amount_usd: '50.00', status: 'submitted', stripe_refund: stripeRefunds(buyer)[0]!.id, error: null },
    ]);

    const calls = refundCalls(buyer);
    expect(calls.map((call) => ({ params: call.params, key: call.idempotencyKey }))).toEqual([
      {
        params: { payment_intent: buyer.paymentIntentId, amount: '5000', reason: 'requested_by_customer', metadata: { refund_id: requested.id, purchase_id: buyer.purchaseId, account_id: buyer.accountId } },
        key: `inferport-refund-${requested.id}-${buyer.purchaseId}`,
      },
    ]);
    expect(await refundTransactions(buyer.accountId)).toEqual([{ amount: 50_000_000n, key: `refund:${requested.id}:${buyer.purchaseId}` }]);
    expect(await refundedOfPurchase(buyer.purchaseId)).toBe(50_000_000n);
    expect(await walletOf(fixture, buyer)).toMatchObject({ balance: '0.000000', paid: '0.000000', promo: '0.000000' });
    await expectAuditClean(fixture.testApp.context.db);

    // Stripe confirms, twice: the refund is done once.
    const confirmed = chargeRefundedEvent(fixture.stripe.payments.chargeOf(buyer.paymentIntentId), fixture.clock.nowMs);
    await deliver(fixture, confirmed);
    await deliver(fixture, { ...confirmed, id: `${confirmed.id}x` });
    const done = await readJson(await approve(requested.id));
    expect({ status: done.status, item: done.items[0].status, completed: typeof done.completed_at }).toEqual({ status: 'refunded', item: 'succeeded', completed: 'string' });
    expect(refundCalls(buyer)).toHaveLength(1);
    expect(await refundTransactions(buyer.accountId)).toHaveLength(1);
    await expectAuditClean(fixture.testApp.context.db);
  });

  // How much was spent decides what is left of each grant, by the spending order (promo first).
  test.each([
    // 10 spent from the promo: the paid 50 is whole; the 10 promo credit left is not refunded and stays.
    { spent: 10, refundable: '50.000000', usd: '50.00', promoAfter: '10.000000' },
    // 30 spent: the promo 20, then 10 of the paid grant; 40 paid credits are left to refund.
    { spent: 30, refundable: '40.000000', usd: '40.00', promoAfter: '0.000000' },
  ])('spent $spent: $refundable refundable, and promo $promoAfter stays in the wallet', async ({ spent, refundable, usd, promoAfter }) => {
    const buyer = await buyerOf50();
    await spendAll(buyer, spent);
    const requested = await requestRefund(buyer);
    expect(requested.refundable).toEqual({ credits: refundable, amount_usd: usd, held: false });
    const approved = await readJson(await approve(requested.id));
    expect({ credits: approved.credits, amount_usd: approved.amount_usd }).toEqual({ credits: refundable, amount_usd: usd });
    expect(refundCalls(buyer).map((call) => call.params.amount)).toEqual([String(Math.round(Number(usd) * 100))]);
    expect(await walletOf(fixture, buyer)).toMatchObject({ paid: '0.000000', promo: promoAfter, balance: promoAfter });
    await expectAuditClean(fixture.testApp.context.db);
  });

  test('approved ten times at once: one debit, one Stripe refund', async () => {
    const buyer = await buyerOf50();
    await spendAll(buyer, 20);
    const requested = await requestRefund(buyer);
    const answers = await Promise.all(Array.from({ length: 10 }, () => approve(requested.id)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect(await refundTransactions(buyer.accountId)).toEqual([{ amount: 50_000_000n, key: `refund:${requested.id}:${buyer.purchaseId}` }]);
    expect(refundCalls(buyer)).toHaveLength(1);
    expect(stripeRefunds(buyer).map((refund) => refund.amount)).toEqual([5000]);
    expect(await refundedOfPurchase(buyer.purchaseId)).toBe(50_000_000n);
    await expectAuditClean(fixture.testApp.context.db);
  });

  test('credit a reservation holds is not refunded', async () => {
    const buyer = await buyerOf50();
    await spendAll(buyer, 20);
    // A request in flight holds 5 of the paid credit (the promo is spent): 45 are unused.
    const hold = await ledger.reserve(fixture.testApp.context.db, { accountId: buyer.accountId, amountMicros: 5_000_000n, idempotencyKey: `test-hold:${buyer.accountId}`, ttlMs: 60_000 }, fixture.clock.nowMs);
    const requested = await requestRefund(buyer);
    expect(requested.refundable).toEqual({ credits: '45.000000', amount_usd: '45.00', held: false });
    const approved = await readJson(await approve(requested.id));
    expect(approved.credits).toBe('45.000000');
    expect(await walletOf(fixture, buyer)).toMatchObject({ balance: '5.000000', reserved: '5.000000' });
    await ledger.post(fixture.testApp.context.db, { holdId: hold.id, amountMicros: 5_000_000n, idempotencyKey: `test-post:${hold.id}` }, fixture.clock.nowMs);
    expect((await walletOf(fixture, buyer)).balance).toBe('0.000000');
    await expectAuditClean(fixture.testApp.context.db);
  });

  test('requests and decisions: nothing to refund, one open request, reject, and no change of mind', async () => {
    // Credit an admin granted is paid but was bought through no Stripe payment: nothing to refund.
    const granted = await createRefillCustomer(fixture, '30');
    const nothing = await ask(granted);
    expect({ status: nothing.status, code: (await readJson(nothing)).error.code }).toEqual({ status: 409, code: 'nothing_to_refund' });

    const buyer = await buyerOf50();
    const requested = await requestRefund(buyer);
    const again = await ask(buyer, 'twice');
    expect({ status: again.status, code: (await readJson(again)).error.code }).toEqual({ status: 409, code: 'refund_already_open' });

    const rejected = await readJson(await reject(requested.id));
    expect({ status: rejected.status, credits: rejected.credits }).toEqual({ status: 'rejected', credits: null });
    expect((await reject(requested.id)).status).toBe(200);
    const late = await approve(requested.id);
    expect({ status: late.status, code: (await readJson(late)).error.code }).toEqual({ status: 409, code: 'conflict' });
    expect(await refundTransactions(buyer.accountId)).toEqual([]);

    // A new request after the rejection, approved: it cannot be rejected afterwards.
    tick();
    const second = await requestRefund(buyer);
    expect((await approve(second.id)).status).toBe(200);
    const noUndo = await reject(second.id);
    expect({ status: noUndo.status, code: (await readJson(noUndo)).error.code }).toEqual({ status: 409, code: 'conflict' });
    expect((await fixture.testApp.admin('POST', '/admin/refunds/refund_missing/approve')).status).toBe(404);
    const mine = await readJson(await fixture.testApp.request('GET', '/console/refunds', { token: buyer.key }));
    expect(mine.data.map((refund: { status: string }) => refund.status)).toEqual(['approved', 'rejected']);
    await expectAuditClean(fixture.testApp.context.db);
  });

  test('a dispute stops auto-refill, alerts and holds refunds until it is closed', async () => {
    const buyer = await buyerOf50();
    expect((await setAutoRefill(fixture, buyer, { enabled: true, threshold: '1', amount: '50' })).status).toBe(200);
    const requested = await requestRefund(buyer);
    const charge = fixture.stripe.payments.chargeOf(buyer.paymentIntentId);
    const dispute = { id: `dp_test_${buyer.accountId}`, charge: charge.id, paymentIntent: buyer.paymentIntentId, amount: 5000 };
    const opened = disputeEvent('charge.dispute.created', { ...dispute, status: 'needs_response' }, fixture.clock.nowMs);
    await deliver(fixture, opened);
    await deliver(fixture, { ...opened, id: `${opened.id}x` });

    const view = await getAutoRefill(fixture, buyer);
    expect({ enabled: view.enabled, reason: view.disabled_reason }).toEqual({ enabled: false, reason: 'dispute' });
    expect((await listAlerts(fixture.testApp.context.db, buyer.accountId)).map((alert) => alert.kind)).toEqual(['dispute_opened']);
    const held = await approve(requested.id);
    expect({ status: held.status, code: (await readJson(held)).error.code }).toEqual({ status: 409, code: 'dispute_open' });
    const turnOn = await setAutoRefill(fixture, buyer, { enabled: true, threshold: '1', amount: '50' });
    expect({ status: turnOn.status, code: (await readJson(turnOn)).error.code }).toEqual({ status: 409, code: 'dispute_open' });
    const listed = await readJson(await fixture.testApp.request('GET', '/console/refunds', { token: buyer.key }));
    expect(listed.data[0].refundable.held).toBe(true);
    expect(await refundTransactions(buyer.accountId)).toEqual([]);
    expect(refundCalls(buyer)).toEqual([]);

    tick();
    await deliver(fixture, disputeEvent('charge.dispute.closed', { ...dispute, status: 'won' }, fixture.clock.nowMs));
    expect((await listAlerts(fixture.testApp.context.db, buyer.accountId)).map((alert) => alert.kind)).toEqual(['dispute_opened', 'dispute_closed']);
    expect((await approve(requested.id)).status).toBe(200);
    expect(refundCalls(buyer)).toHaveLength(1);
    await expectAuditClean(fixture.testApp.context.db);
  });

  test('Stripe unreachable at approval: the credit is taken back, and the scheduler sends the refund later with the same key', async () => {
    const buyer = await buyerOf50();
    const requested = await requestRefund(buyer);
    fixture.stripe.failNext(3);
    const approved = await readJson(await approve(requested.id));
    expect({ status: approved.status, item: approved.items[0].status }).toEqual({ status: 'approved', item: 'pending' });
    expect((await walletOf(fixture, buyer)).paid).toBe('0.000000');
    fixture.clock.advance(60_000);
    await fixture.scheduler.runNow('refunds');
    const calls = refundCalls(buyer);
    expect(calls).toHaveLength(4);
    expect(new Set(calls.map((call) => call.idempotencyKey))).toEqual(new Set([`inferport-refund-${requested.id}-${buyer.purchaseId}`]));
    expect(stripeRefunds(buyer)).toHaveLength(1);
    expect((await readJson(await approve(requested.id))).items[0].status).toBe('submitted');
    await expectAuditClean(fixture.testApp.context.db);
  });

  test('Stripe refusing the refund fails its item with an alert for the operator', async () => {
    const buyer = await buyerOf50();
    const requested = await requestRefund(buyer);
    // The operator refunded the payment in Stripe's dashboard meanwhile.
    const operator = new Stripe(fixture.stripe.secretKey, { host: '127.0.0.1', port: Number(new URL(fixture.stripe.url).port), protocol: 'http', httpClient: Stripe.createFetchHttpClient() });
    await operator.refunds.create({ payment_intent: buyer.paymentIntentId });
    const approved = await readJson(await approve(requested.id));
    expect({ status: approved.status, item: approved.items[0].status, error: approved.items[0].error }).toEqual({
      status: 'approved',
      item: 'failed',
      error: expect.stringContaining('greater than unrefunded amount'),
    });
    const alerts = await listAlerts(fixture.testApp.context.db, buyer.accountId);
    expect(alerts.map((alert) => alert.kind)).toEqual(['refund_failed']);
    await expectAuditClean(fixture.testApp.context.db);
  });
});
