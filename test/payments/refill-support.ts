// Shared by the auto-refill and refund tests: inferport on a real port in front of a fake
// upstream whose every request costs exactly 1 credit, the Stripe fake, an injected clock that
// the app, its webhook processor and the scheduler's jobs all read, and the steps a customer
// takes (save a card, set auto-refill, spend) driven through the HTTP API and signed webhooks.
import OpenAI from 'openai';
import { Scheduler } from '../../src/scheduler/scheduler';
import { scheduledJobs } from '../../src/server';
import { createTestApp, readJson, type TestApp } from '../support/app';
import { setupIntentSucceededEvent } from '../support/fake-stripe/payment-events';
import { startFakeStripe, type FakeStripe, type StripeCall } from '../support/fake-stripe/server';
import { sendDelivery, signDelivery, WEBHOOK_SECRET } from '../support/fake-stripe/webhooks';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';

export const HOUR_MS = 3_600_000;

export interface Clock {
  nowMs: number;
  advance: (ms: number) => void;
}

export interface RefillFixture {
  testApp: TestApp;
  stripe: FakeStripe;
  upstream: FakeUpstream;
  baseUrl: string;
  clock: Clock;
  /** The server's jobs, on the injected clock; tests run them with runNow. */
  scheduler: Scheduler;
  close: () => Promise<void>;
}

export interface RefillCustomer {
  accountId: string;
  key: string;
  client: OpenAI;
}

export async function createRefillFixture(raw: Record<string, unknown> = {}): Promise<RefillFixture> {
  const upstream = startFakeUpstream();
  const stripe = startFakeStripe();
  const clock: Clock = { nowMs: Date.now(), advance: (ms) => void (clock.nowMs += ms) };
  const testApp = await createTestApp(
    {
      upstreams: [{ name: 'fake', url: upstream.url, models: ['fake-model'] }],
      wallet: { trial_credits: 0 },
      // The fake upstream answers 4 completion tokens (max_tokens 4): 4 × 0.25 = 1 credit a request.
      prices: { default: { input_per_million: 0, output_per_million: 250_000 } },
      stripe: { api_base: stripe.url },
      ...raw,
    },
    { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET },
    { now: () => clock.nowMs },
  );
  const baseUrl = testApp.listen();
  const scheduler = new Scheduler(scheduledJobs(testApp.context), () => testApp.context.now());
  return {
    testApp,
    stripe,
    upstream,
    baseUrl,
    clock,
    scheduler,
    close: async () => {
      await scheduler.stop();
      await testApp.close();
      await upstream.stop();
      await stripe.stop();
    },
  };
}

/** An account with a credit-billed key and `paid` credits granted by the admin (not refundable: no purchase). */
export async function createRefillCustomer(fixture: RefillFixture, paid: string | null, accountBody: Record<string, unknown> = {}): Promise<RefillCustomer> {
  const { testApp } = fixture;
  const account = await testApp.admin('POST', '/admin/accounts', { name: 'refill customer', email: 'owner@example.com', ...accountBody });
  const { id: accountId } = await readJson(account);
  const created = await testApp.admin('POST', `/admin/accounts/${accountId}/keys`, { billing: 'credits' });
  const { key } = await readJson(created);
  if (paid !== null) {
    const grant = await testApp.admin('POST', `/admin/accounts/${accountId}/credits`, { amount: paid, kind: 'paid' });
    if (grant.status !== 200) throw new Error(`grant failed: ${grant.status} ${await grant.text()}`);
  }
  return { accountId, key, client: new OpenAI({ baseURL: `${fixture.baseUrl}/v1`, apiKey: key, maxRetries: 0 }) };
}

/** Delivers a signed event (signed on the injected clock) and waits until the inbox processed it. */
export async function deliver(fixture: RefillFixture, event: object): Promise<void> {
  const response = await sendDelivery(fixture.testApp, await signDelivery(event, { timestampSeconds: Math.floor(fixture.clock.nowMs / 1000) }));
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
  await fixture.testApp.context.stripeEvents.whenIdle();
}

/** Saves a card the way an owner does: the setup page, then Stripe's setup_intent.succeeded. Answers the card. */
export async function saveCard(fixture: RefillFixture, customer: RefillCustomer): Promise<string> {
  const page = await fixture.testApp.request('POST', '/console/auto-refill/card', { token: customer.key });
  if (page.status !== 200) throw new Error(`card page failed: ${page.status} ${await page.text()}`);
  const customerId = await stripeCustomerOf(fixture, customer.accountId);
  const { event, paymentMethod } = setupIntentSucceededEvent(customerId, { account_id: customer.accountId }, fixture.clock.nowMs);
  await deliver(fixture, event);
  return paymentMethod;
}

export async function stripeCustomerOf(fixture: RefillFixture, accountId: string): Promise<string> {
  const row = await fixture.testApp.context.db.selectFrom('accounts').select('stripe_customer_id').where('id', '=', accountId).executeTakeFirstOrThrow();
  if (!row.stripe_customer_id) throw new Error(`account ${accountId} has no Stripe customer`);
  return row.stripe_customer_id;
}

export async function setAutoRefill(fixture: RefillFixture, customer: RefillCustomer, body: unknown): Promise<Response> {
  const response = await fixture.testApp.request('PUT', '/console/auto-refill', { body, token: customer.key });
  await fixture.testApp.context.autoRefill.whenIdle();
  return response;
}

export async function getAutoRefill(fixture: RefillFixture, customer: RefillCustomer): Promise<any> {
  const response = await fixture.testApp.request('GET', '/console/auto-refill', { token: customer.key });
  if (response.status !== 200) throw new Error(`GET /console/auto-refill answered ${response.status}`);
  return readJson(response);
}

/** Makes `requests` requests of 1 credit each, one after the other, letting each after-charge check finish. */
export async function spend(fixture: RefillFixture, customer: RefillCustomer, requests: number): Promise<void> {
  for (let index = 0; index < requests; index++) {
    await customer.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
    await fixture.testApp.context.autoRefill.whenIdle();
  }
}

/** The PaymentIntent creations the fake Stripe received for an account, replays included. */
export function intentCalls(fixture: RefillFixture, accountId: string): StripeCall[] {
  return fixture.stripe.callsTo('POST', '/v1/payment_intents').filter((call) => (call.params.metadata as Record<string, string> | undefined)?.account_id === accountId);
}

export async function walletOf(fixture: RefillFixture, customer: RefillCustomer): Promise<{ balance: string; paid: string; promo: string; reserved: string }> {
  return readJson(await fixture.testApp.request('GET', '/console/wallet', { token: customer.key }));
}
