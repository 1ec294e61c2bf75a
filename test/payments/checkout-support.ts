// Shared by the credit pack tests: an app whose Stripe is the local fake (and, when asked, whose
// [smtp] is a local sink), a checkout through POST /console/checkout, the customer paying on
// the fake, and Stripe's signed event about it delivered to the webhook.
import { readJson, type TestApp } from '../support/app';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe/server';
import type { Session } from '../support/fake-stripe/sessions';
import { checkoutSessionEvent, deliverEvent } from '../support/fake-stripe/webhooks';
import type { SmtpSink } from '../support/smtp-sink';
import { createPaymentsApp, processed, type HandlerProbe } from './support';

export interface CheckoutWorld {
  testApp: TestApp;
  fake: FakeStripe;
  close: () => Promise<void>;
}

export async function createCheckoutWorld(options: { wallet?: Record<string, unknown>; smtp?: SmtpSink; probe?: HandlerProbe } = {}): Promise<CheckoutWorld> {
  const fake = startFakeStripe({ prices: ['price_basic_monthly', 'price_pro_monthly'] });
  const smtp = options.smtp ? { smtp: { host: options.smtp.host, port: options.smtp.port, from: 'inferport billing <billing@inferport.test>', user: 'mailer' } } : {};
  const testApp = await createPaymentsApp({
    raw: { wallet: { trial_credits: 0, ...options.wallet }, stripe: { api_base: fake.url, success_url: 'https://example.com/thanks' }, ...smtp },
    env: { STRIPE_SECRET_KEY: fake.secretKey, ...(options.smtp ? { SMTP_PASSWORD: 'smtp-secret' } : {}) },
    probe: options.probe,
  });
  return {
    testApp,
    fake,
    close: async () => {
      await testApp.close();
      await fake.stop();
    },
  };
}

/** POST /console/checkout, answering the session the fake made for it. */
export async function checkout(world: CheckoutWorld, key: string, body: Record<string, unknown>): Promise<Session> {
  const response = await world.testApp.request('POST', '/console/checkout', { body, token: key });
  const answer = await readJson(response);
  if (response.status !== 200) throw new Error(`checkout failed: ${response.status} ${JSON.stringify(answer)}`);
  const session = [...world.fake.sessions.values()].find((candidate) => candidate.url === answer.url);
  if (!session) throw new Error(`the fake made no session for ${answer.url}`);
  return session;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Delivers one signed checkout event about `session` and waits for the drain it starts. */
export async function deliverCheckoutEvent(
  testApp: TestApp,
  type: Parameters<typeof checkoutSessionEvent>[0],
  session: Session,
  created = nowSeconds(),
): Promise<ReturnType<typeof checkoutSessionEvent>> {
  const event = checkoutSessionEvent(type, session, created);
  const response = await deliverEvent(testApp, event);
  if (response.status !== 200) throw new Error(`the webhook answered ${response.status}`);
  await processed(testApp);
  return event;
}

/** The key's wallet, as GET /console/wallet answers it. */
export async function walletOf(testApp: TestApp, key: string): Promise<{ balance: string; paid: string; promo: string }> {
  return readJson(await testApp.request('GET', '/console/wallet', { token: key }));
}

/** The account's purchases, as GET /console/purchases answers them. */
export async function purchasesOf(testApp: TestApp, key: string): Promise<any[]> {
  return (await readJson(await testApp.request('GET', '/console/purchases', { token: key }))).data;
}

/** An account with an email address (receipts go there) and a credit-billed key. */
export async function createCustomer(testApp: TestApp, email: string | null = 'owner@example.com'): Promise<{ accountId: string; key: string }> {
  const account = await testApp.admin('POST', '/admin/accounts', { name: 'Ada Lovelace', ...(email ? { email } : {}) });
  const { id: accountId } = await readJson(account);
  const created = await testApp.admin('POST', `/admin/accounts/${accountId}/keys`, { billing: 'credits' });
  if (created.status !== 201) throw new Error(`key creation failed: ${created.status}`);
  return { accountId, key: (await readJson(created)).key };
}
