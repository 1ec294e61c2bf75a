// What the fuzz test runs against: inferport on a real port in front of a fake upstream, a
// funded account with a credit-billed key (spent by /v1 and /console cases), a plan-billed key,
// a revoked key, and, per route, a fresh account with a credit-billed and a plan-billed key whose
// ids the admin cases may mutate. The funded account and each target account also bought 10
// credits through Stripe (a payment the Stripe fake knows), so refunds have something to refund;
// each target account asks for a refund, whose id the /admin/refunds cases decide.
import * as ledger from '../../src/ledger/service';
import { recordPurchase } from '../../src/payments/purchases';
import { createAccountWithKey, createTestApp, type TestApp } from '../support/app';
import { ADMIN_TOKEN } from '../support/env';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe/server';
import { WEBHOOK_SECRET } from '../support/fake-stripe/webhooks';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { startFakeMediaUpstream } from '../support/fake-media-upstream';
import type { Targets } from './request-arbitrary';

export const FUNDS_MICROS = 1_000_000_000n; // 1000 credits: enough for many served requests
/** An account with a known id, which POST /admin/deployments cases name in their body. */
export const FUZZ_DEPLOYER_ID = 'acct_fuzz_deployer';

export interface FuzzFixture {
  testApp: TestApp;
  fake: FakeUpstream;
  stripe: FakeStripe;
  baseUrl: string;
  customerId: string;
  /** Credentials and ids for one route's cases; `refresh` gives the admin cases new records. */
  targets: Targets;
  refreshTargets: () => Promise<void>;
  close: () => Promise<void>;
}

export async function createFuzzFixture(): Promise<FuzzFixture> {
  const fake = startFakeUpstream();
  // The media routes' model (images, speech, transcriptions), served by the media fake.
  const media = startFakeMediaUpstream();
  // Stripe as the routes that need it see it: checkouts go to a local fake, webhooks are signed.
  const stripe = startFakeStripe({ prices: ['price_fuzz_basic'] });
  const testApp = await createTestApp(
    {
      // A model named the Hugging Face way, with a slash, as vLLM serves it by default.
      upstreams: [
        { name: 'fake', url: fake.url, models: ['fake-model', 'other-model', 'org/fake-model'] },
        { name: 'media', url: media.url, models: ['fake-media-model'] },
      ],
      wallet: { trial_credits: 0 },
      // Deployment upstreams on 127.0.0.1, and no DNS lookups of the hostnames the fuzz makes up.
      deployments: { allow_private_targets: true },
      plans: { basic: { requests_per_minute: 1000, stripe_price: 'price_fuzz_basic' } },
      stripe: { api_base: stripe.url },
      // The fuzz sends bad keys on purpose, all from 127.0.0.1: the address block would soon turn
      // every later /v1 and /console case into the same 429 and hide the routes behind it.
      // test/http/auth-block.test.ts covers the block.
      abuse: { auth_failures: 0 },
    },
    { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET },
  );
  const baseUrl = testApp.listen();
  const customer = await createAccountWithKey(testApp);
  await ledger.grant(testApp.context.db, { accountId: customer.accountId, kind: 'paid', amountMicros: FUNDS_MICROS, expiresAtMs: null, source: 'admin', idempotencyKey: `fuzz:${customer.accountId}` }, Date.now());
  await seedPurchase(testApp, stripe, customer.accountId);
  const plan = await createAccountWithKey(testApp, { billing: 'plan' });
  const revoked = await createAccountWithKey(testApp);
  const revoke = await testApp.admin('DELETE', `/admin/keys/${revoked.keyId}`);
  if (revoke.status !== 200) throw new Error(`revoking the fixture key failed: ${revoke.status}`);

  await createFuzzCoupons(testApp);
  await createFuzzDeployer(testApp);

  const targets: Targets = {
    adminToken: ADMIN_TOKEN,
    apiKey: customer.key,
    planKey: plan.key,
    revokedKey: revoked.key,
    webhookSecret: WEBHOOK_SECRET,
    realIds: {},
    maxBodyBytes: testApp.config.server.maxBodyBytes,
  };
  let couponCount = 0;
  const refreshTargets = async () => {
    const target = await createAccountWithKey(testApp);
    // A plan-billed key too, so that PUT /admin/keys/{id}/limits has a key that takes limits.
    const planKey = await testApp.admin('POST', `/admin/accounts/${target.accountId}/keys`, { billing: 'plan' });
    if (planKey.status !== 201) throw new Error(`creating the fixture plan key failed: ${planKey.status}`);
    const { id: planKeyId } = (await planKey.json()) as { id: string };
    // A fresh coupon for POST /admin/coupons/{code}/disable, in the case it was made and another.
    couponCount += 1;
    const code = `FUZZ-DISABLE-${couponCount}`;
    const coupon = await testApp.admin('POST', '/admin/coupons', { code, amount: '1' });
    if (coupon.status !== 201) throw new Error(`creating the fixture coupon failed: ${coupon.status}`);
    await seedPurchase(testApp, stripe, target.accountId);
    const refund = await testApp.request('POST', '/console/refunds', { body: { reason: 'fuzz' }, token: target.key });
    if (refund.status !== 201) throw new Error(`creating the fixture refund failed: ${refund.status} ${await refund.text()}`);
    const { id: refundId } = (await refund.json()) as { id: string };
    // A deployment of the customer's (the console cases stop it) and one of the target's (the
    // admin cases), of a model no /v1 case asks for, so the customer's requests stay token-billed.
    const deploymentIds = [await startFuzzDeployment(testApp, customer.accountId), await startFuzzDeployment(testApp, target.accountId)];
    // A team member of the target account, for /admin/accounts/{id}/members/{memberId}/….
    const member = await testApp.admin('POST', `/admin/accounts/${target.accountId}/members`, { name: 'fuzz' });
    if (member.status !== 201) throw new Error(`creating the fixture member failed: ${member.status}`);
    const { id: memberId } = (await member.json()) as { id: string };
    targets.realIds = { accounts: [target.accountId], keys: [target.keyId, planKeyId], models: ['fake-model', 'org%2Ffake-model'], coupons: [code, code.toLowerCase()], refunds: [refundId], deployments: deploymentIds, members: [memberId] };
  };
  await refreshTargets();
  return {
    testApp,
    fake,
    stripe,
    baseUrl,
    customerId: customer.accountId,
    targets,
    refreshTargets,
    close: async () => {
      await testApp.close();
      await fake.stop();
      await media.stop();
      await stripe.stop();
    },
  };
}

/**
 * The codes the fuzzer's `code` hint names (schema-values.ts): one any account may redeem once,
 * one used up, one disabled, one expired, and one worth more than a wallet may hold next to the
 * customer's funds.
 */
async function createFuzzCoupons(testApp: TestApp): Promise<void> {
  const create = async (body: Record<string, unknown>) => {
    const response = await testApp.admin('POST', '/admin/coupons', body);
    if (response.status !== 201) throw new Error(`creating the fuzz coupon ${body.code} failed: ${response.status} ${await response.text()}`);
  };
  await create({ code: 'FUZZ-WELCOME', amount: '2', credit_expires_days: 30 });
  await create({ code: 'FUZZ-USED-UP', amount: '1', max_redemptions: 1 });
  await create({ code: 'FUZZ-DISABLED', amount: '1' });
  await create({ code: 'FUZZ-EXPIRED', amount: '1', expires_at: new Date(Date.now() + 60_000).toISOString() });
  await create({ code: 'FUZZ-BIG', amount: '999999999' });
  const other = await createAccountWithKey(testApp);
  const redeemed = await testApp.request('POST', '/console/coupons/redeem', { token: other.key, body: { code: 'FUZZ-USED-UP' } });
  if (redeemed.status !== 200) throw new Error(`using up the fuzz coupon failed: ${redeemed.status}`);
  if ((await testApp.admin('POST', '/admin/coupons/FUZZ-DISABLED/disable')).status !== 200) throw new Error('disabling the fuzz coupon failed');
  // Expired without waiting: the admin API refuses a coupon that is expired already.
  await testApp.context.db.updateTable('coupons').set({ expires_at_ms: BigInt(Date.now() - 1) }).where('code', '=', 'FUZZ-EXPIRED').execute();
}

/** 10 credits bought for $10 through a payment the Stripe fake knows, as a Checkout would record it. */
async function seedPurchase(testApp: TestApp, stripe: FakeStripe, accountId: string): Promise<void> {
  const intent = stripe.payments.seedSucceededIntent({ amount: 1000, customer: null, metadata: { account_id: accountId } });
  const input = { accountId, source: 'checkout' as const, stripePaymentIntentId: intent.id, stripeCheckoutSessionId: null, stripeChargeId: intent.latest_charge, amountMinor: 1000n, currency: 'usd', creditsMicros: 10_000_000n };
  await testApp.context.db.transaction().execute((trx) => recordPurchase(trx, input, Date.now()));
}

/** The account the fuzzer's `account_id` hint names (schema-values.ts), funded for deployments' first hours. */
async function createFuzzDeployer(testApp: TestApp): Promise<void> {
  const now = BigInt(Date.now());
  await testApp.context.db
    .insertInto('accounts')
    .values({ id: FUZZ_DEPLOYER_ID, name: 'fuzz deployer', email: null, status: 'active', plan: null, created_at_ms: now, updated_at_ms: now, models: null, stripe_customer_id: null, plan_set_by_admin_at_ms: null })
    .execute();
  await ledger.grant(testApp.context.db, { accountId: FUZZ_DEPLOYER_ID, kind: 'paid', amountMicros: FUNDS_MICROS, expiresAtMs: null, source: 'admin', idempotencyKey: `fuzz:${FUZZ_DEPLOYER_ID}` }, Date.now());
}

/** Starts a deployment of the account's (its first hour granted and charged); returns its id. */
async function startFuzzDeployment(testApp: TestApp, accountId: string): Promise<string> {
  await ledger.grant(testApp.context.db, { accountId, kind: 'promo', amountMicros: 600_000n, expiresAtMs: null, source: 'admin', idempotencyKey: `fuzz-deployment:${crypto.randomUUID()}` }, Date.now());
  const body = { account_id: accountId, model: `fuzz-deployed-${crypto.randomUUID()}`, instance_type: 'gpu-s', upstream_url: 'http://127.0.0.1:9' };
  const response = await testApp.admin('POST', '/admin/deployments', body);
  if (response.status !== 201) throw new Error(`starting the fixture deployment failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}
