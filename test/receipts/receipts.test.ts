// Receipts (issue 11): after a purchase commits, its receipt is mailed through [smtp] — here a
// local SMTP sink — once; a refusing server is retried with back-off and then given up; an
// account without email is skipped; a receipt a crash left behind is sent by the scheduler's
// job; batches are bounded and two senders never mail one receipt twice. Without [smtp] the
// receipts stay recorded and visible in GET /console/purchases, and nothing is sent.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { recordPurchase } from '../../src/payments/purchases';
import { RECEIPT_ATTEMPTS_MAX, ReceiptSender } from '../../src/receipts/sender';
import { createMailer } from '../../src/mail/mailer';
import { Scheduler } from '../../src/scheduler/scheduler';
import { scheduledJobs } from '../../src/server';
import type { TestApp } from '../support/app';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { checkout, createCheckoutWorld, createCustomer, deliverCheckoutEvent, purchasesOf, type CheckoutWorld } from '../payments/checkout-support';

let sink: SmtpSink;
let world: CheckoutWorld;
let testApp: TestApp;

beforeAll(async () => {
  sink = startSmtpSink();
  world = await createCheckoutWorld({ smtp: sink });
  testApp = world.testApp;
});
afterAll(async () => {
  await world.close();
  sink.stop();
});

const messagesTo = (address: string) => sink.messages.filter((message) => message.to.includes(address));
const receiptRow = (purchaseId: string) => testApp.context.db.selectFrom('receipts').selectAll().where('purchase_id', '=', purchaseId).executeTakeFirstOrThrow();

/** A purchase recorded straight in the database, as a handler would, with no sender kicked. */
async function recordedPurchase(accountId: string, cents: number) {
  const input = { accountId, source: 'checkout' as const, stripePaymentIntentId: `pi_test_${crypto.randomUUID().slice(0, 12)}`, stripeCheckoutSessionId: null, stripeChargeId: null, amountMinor: BigInt(cents), currency: 'usd', creditsMicros: BigInt(cents) * 10_000n };
  const { purchase } = await testApp.context.db.transaction().execute((trx) => recordPurchase(trx, input, Date.now()));
  return purchase;
}

describe('with [smtp]', () => {
  test('a paid checkout mails one receipt after the commit: amount, credits, Stripe ids, account', async () => {
    const email = 'ada@example.com';
    const { accountId, key } = await createCustomer(testApp, email);
    const session = world.fake.completeSession((await checkout(world, key, { pack: '20' })).id, 'paid');
    await deliverCheckoutEvent(testApp, 'checkout.session.completed', session);
    await testApp.context.receipts.whenIdle();
    const [purchase] = await purchasesOf(testApp, key);
    const messages = messagesTo(email);
    expect(messages.length).toBe(1);
    const message = messages[0]!;
    expect({ from: message.from, to: message.to, auth: message.auth }).toEqual({ from: 'billing@inferport.test', to: [email], auth: { user: 'mailer', password: 'smtp-secret' } });
    expect(message.headers.subject).toBe('Receipt: 20.000000 credits for 20.00 USD');
    expect(message.headers['message-id']).toBe(`<receipt.${purchase.id}@inferport.test>`);
    expect(message.headers.from).toBe('inferport billing <billing@inferport.test>');
    for (const line of [
      /^Credits: +20\.000000$/m,
      /^Amount paid: +20\.00 USD$/m,
      new RegExp(`^Account: +Ada Lovelace \\(${accountId}\\)$`, 'm'),
      new RegExp(`^Purchase: +${purchase.id}$`, 'm'),
      new RegExp(`^Stripe payment intent: +${session.payment_intent}$`, 'm'),
      new RegExp(`^Stripe checkout session: +${session.id}$`, 'm'),
    ]) {
      expect(message.text).toMatch(line);
    }
    expect(message.text).not.toContain('Stripe charge');
    expect(purchase.receipt).toEqual({ status: 'sent', recipient: email, sent_at: expect.any(String) });

    // The same payment again, by a redelivery and by the async event: no second receipt.
    await deliverCheckoutEvent(testApp, 'checkout.session.completed', session);
    await deliverCheckoutEvent(testApp, 'checkout.session.async_payment_succeeded', session);
    await testApp.context.receipts.whenIdle();
    await testApp.context.receipts.sendDue(Date.now() + 86_400_000);
    expect(messagesTo(email).length).toBe(1);
  });

  test('a server that refuses: retried after the back-off, sent once it accepts', async () => {
    const email = 'retry@example.com';
    const { accountId } = await createCustomer(testApp, email);
    const purchase = await recordedPurchase(accountId, 1000);
    const nowMs = Date.now();
    sink.refuseNext(1);
    expect(await testApp.context.receipts.sendDue(nowMs)).toMatchObject({ [purchase.id]: 'retry' });
    const failed = await receiptRow(purchase.id);
    expect({ status: failed.status, attempts: Number(failed.attempts) }).toEqual({ status: 'pending', attempts: 1 });
    expect(failed.last_error).toContain('451');
    expect(messagesTo(email)).toEqual([]);
    const retryAtMs = Number(failed.next_attempt_at_ms);
    expect(retryAtMs).toBeGreaterThan(nowMs);
    expect((await testApp.context.receipts.sendDue(retryAtMs - 1))[purchase.id]).toBeUndefined();
    expect(await testApp.context.receipts.sendDue(retryAtMs)).toMatchObject({ [purchase.id]: 'sent' });
    expect(messagesTo(email).length).toBe(1);
    expect((await receiptRow(purchase.id)).status).toBe('sent');
  });

  test('a server that keeps refusing: given up as failed after the last attempt, never sent', async () => {
    const email = 'never@example.com';
    const { accountId } = await createCustomer(testApp, email);
    const purchase = await recordedPurchase(accountId, 500);
    sink.refuseNext(RECEIPT_ATTEMPTS_MAX);
    let atMs = Date.now();
    for (let attempt = 1; attempt <= RECEIPT_ATTEMPTS_MAX; attempt++) {
      expect({ attempt, outcome: (await testApp.context.receipts.sendDue(atMs))[purchase.id] }).toEqual({ attempt, outcome: attempt < RECEIPT_ATTEMPTS_MAX ? 'retry' : 'failed' });
      atMs = Number((await receiptRow(purchase.id)).next_attempt_at_ms ?? atMs);
    }
    const row = await receiptRow(purchase.id);
    expect({ status: row.status, attempts: Number(row.attempts), next: row.next_attempt_at_ms }).toEqual({ status: 'failed', attempts: RECEIPT_ATTEMPTS_MAX, next: null });
    expect(messagesTo(email)).toEqual([]);
  });

  test('an account without an email address: skipped, nothing sent', async () => {
    const { accountId, key } = await createCustomer(testApp, null);
    const purchase = await recordedPurchase(accountId, 700);
    const before = sink.messages.length;
    expect(await testApp.context.receipts.sendDue(Date.now())).toMatchObject({ [purchase.id]: 'skipped' });
    expect(sink.messages.length).toBe(before);
    expect((await purchasesOf(testApp, key))[0].receipt).toEqual({ status: 'skipped', recipient: null, sent_at: null });
  });

  test('a receipt left pending by a crash after the commit is sent by the scheduler\'s receipts job', async () => {
    const email = 'crash@example.com';
    const { accountId } = await createCustomer(testApp, email);
    const purchase = await recordedPurchase(accountId, 2500);
    const scheduler = new Scheduler(scheduledJobs(testApp.context), Date.now);
    await scheduler.runNow('receipts');
    await testApp.context.receipts.whenIdle();
    expect(messagesTo(email).map((message) => message.headers['message-id'])).toEqual([`<receipt.${purchase.id}@inferport.test>`]);
  });

  // 110 purchases and as many SMTP deliveries, one connection each: seconds on a busy machine.
  test('bounded batches, and two senders (two replicas) at once mail each receipt exactly once', async () => {
    const email = 'many@example.com';
    const { accountId } = await createCustomer(testApp, email);
    const purchases = [];
    for (let index = 0; index < 110; index++) purchases.push(await recordedPurchase(accountId, 100 + index));
    const nowMs = Date.now();
    const replica = () => new ReceiptSender(testApp.context.db, createMailer(testApp.config.smtp), Date.now);
    const [first, second] = [replica(), replica()];
    const sentBy = (outcomes: Record<string, string>) => Object.values(outcomes).filter((value) => value === 'sent').length;
    // One drain takes at most 5 batches of 20.
    expect(sentBy(await first.sendDue(nowMs))).toBe(100);
    const racing = await Promise.all([first.sendDue(nowMs), second.sendDue(nowMs)]);
    expect(sentBy(racing[0]) + sentBy(racing[1])).toBe(10);
    const ids = messagesTo(email).map((message) => message.headers['message-id']);
    expect(ids.length).toBe(110);
    expect(new Set(ids)).toEqual(new Set(purchases.map((purchase) => `<receipt.${purchase.id}@inferport.test>`)));
    await Promise.all([first.close(), second.close()]);
  }, 30_000);
});

describe('without [smtp]', () => {
  test('receipts stay recorded, pending and visible in GET /console/purchases; nothing is sent', async () => {
    const bare = await createCheckoutWorld();
    try {
      const { key } = await createCustomer(bare.testApp, 'quiet@example.com');
      const session = bare.fake.completeSession((await checkout(bare, key, { amount_usd: '3.50' })).id, 'paid');
      await deliverCheckoutEvent(bare.testApp, 'checkout.session.completed', session);
      expect(bare.testApp.config.smtp).toBeNull();
      expect(await bare.testApp.context.receipts.sendDue(Date.now() + 86_400_000)).toEqual({});
      const [purchase] = await purchasesOf(bare.testApp, key);
      expect(purchase).toMatchObject({ amount: '3.50', credits: '3.500000', stripe_payment_intent_id: session.payment_intent, stripe_checkout_session_id: session.id, receipt: { status: 'pending', recipient: null, sent_at: null } });
      const row = await bare.testApp.context.db.selectFrom('receipts').selectAll().where('purchase_id', '=', purchase.id).executeTakeFirstOrThrow();
      expect({ status: row.status, attempts: Number(row.attempts) }).toEqual({ status: 'pending', attempts: 0 });
    } finally {
      await bare.close();
    }
  });
});
