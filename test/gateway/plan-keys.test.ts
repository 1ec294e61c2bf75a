// Acceptance (issue 10, point 6): a plan key of an account without a plan is refused (403
// no_plan), unless the operator set a default plan, and so is one whose plan is no longer
// configured; a plan bounds each request (its models, its max_tokens); and a plan key never
// changes the wallet: balance, entries and holds stay as they were and the books balance,
// while each request still leaves its usage record (cost 0). Redis and in-process alike.
import OpenAI, { type APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { expectAuditClean } from '../support/audit';
import { accountState, errorOf } from './account-state';
import { attempt, chatBody, createPlanCustomer, createPlanFixture, readQuota, STORE_KINDS, streamBody, type PlanFixture } from '../quotas/support';

const PLANS = {
  basic: { requests_per_minute: 100, max_tokens_per_request: 50, model_limits: { 'other-model': { max_tokens_per_request: 20 } } },
  narrow: { models: ['fake-model'] },
};
const START_MICROS = 5_000_000n;

for (const store of STORE_KINDS) {
  describe(`plan keys (${store} counters)`, () => {
    let fixture: PlanFixture;
    let defaulted: PlanFixture;
    beforeAll(async () => {
      fixture = await createPlanFixture(store, { plans: PLANS });
      defaulted = await createPlanFixture(store, { plans: PLANS, quotas: { default_plan: 'basic' } });
    });
    afterAll(async () => {
      await fixture.close();
      await defaulted.close();
    });

    test('an account without a plan: 403 no_plan, nothing forwarded; its quota page says it has none', async () => {
      const customer = await createPlanCustomer(fixture, null, START_MICROS);
      const forwardedBefore = fixture.fake.requests.length;
      const error = (await errorOf(customer.client.chat.completions.create(chatBody()))) as APIError;
      expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect([error.status, error.code]).toEqual([403, 'no_plan']);
      expect(fixture.fake.requests.length).toBe(forwardedBefore);
      expect(await readQuota(fixture, customer)).toEqual({
        status: 200,
        body: { object: 'quota', account_id: customer.accountId, plan: null, plan_source: null, models: null, max_tokens_per_request: null, limits: [] },
      });
    });

    test('with a default plan, the same account is served by it', async () => {
      const customer = await createPlanCustomer(defaulted, null);
      expect((await attempt(customer.client.chat.completions.create(chatBody()))).status).toBe(200);
      const { body } = await readQuota(defaulted, customer);
      expect(body).toMatchObject({ plan: 'basic', plan_source: 'default', max_tokens_per_request: 50 });
      expect(body.limits.find((limit: { name: string }) => limit.name === 'requests_per_minute')).toMatchObject({ scope: 'account', limit: 100, used: 1, remaining: 99 });
    });

    test('an account whose plan is no longer configured: 403 plan_not_configured', async () => {
      const customer = await createPlanCustomer(fixture, 'basic');
      // As after an operator removed the plan from the config: the account row still names it.
      await fixture.testApp.context.db.updateTable('accounts').set({ plan: 'retired' }).where('id', '=', customer.accountId).execute();
      fixture.testApp.context.keyCache.clear();
      const error = (await errorOf(customer.client.chat.completions.create(chatBody()))) as APIError;
      expect([error.status, error.code]).toEqual([403, 'plan_not_configured']);
      expect(error.message).toContain('"retired"');
      expect((await readQuota(fixture, customer)).body.error.code).toBe('plan_not_configured');
    });

    test("a model outside the plan's list: 403 model_not_allowed, nothing forwarded", async () => {
      const customer = await createPlanCustomer(fixture, 'narrow');
      const forwardedBefore = fixture.fake.requests.length;
      const error = (await errorOf(customer.client.chat.completions.create(chatBody({ model: 'other-model' })))) as APIError;
      expect([error.status, error.code, error.param]).toEqual([403, 'model_not_allowed', 'model']);
      expect(fixture.fake.requests.length).toBe(forwardedBefore);
      expect((await attempt(customer.client.chat.completions.create(chatBody()))).status).toBe(200);
      // It lists and looks up only the plan's models.
      expect((await customer.client.models.list()).data.map((model) => model.id)).toEqual(['fake-model']);
      expect(((await errorOf(customer.client.models.retrieve('other-model'))) as APIError).status).toBe(404);
    });

    test('max_tokens above the plan (or its model) limit: 400; a request without one is sent the limit', async () => {
      const customer = await createPlanCustomer(fixture, 'basic');
      for (const [field, model, tokens] of [['max_tokens', 'fake-model', 51], ['max_completion_tokens', 'fake-model', 51], ['max_tokens', 'other-model', 21]] as const) {
        const error = (await errorOf(customer.client.chat.completions.create({ ...chatBody({ model }), max_tokens: undefined, [field]: tokens }))) as APIError;
        expect({ field, status: error.status, code: error.code, param: error.param }).toEqual({ field, status: 400, code: 'invalid_request', param: field });
      }
      for (const [model, sent] of [['fake-model', 50], ['other-model', 20]] as const) {
        expect((await attempt(customer.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }))).status).toBe(200);
        expect(fixture.fake.requests.at(-1)!.body.max_tokens).toBe(sent);
      }
      expect((await attempt(customer.client.chat.completions.create(chatBody({ max_tokens: 50 })))).status).toBe(200);
      expect(fixture.fake.requests.at(-1)!.body.max_tokens).toBe(50);
    });

    test('a plan key never changes the wallet: answers, streams, failures and embeddings leave it whole', async () => {
      const customer = await createPlanCustomer(fixture, 'basic', START_MICROS);
      const before = await accountState(fixture, customer.accountId);
      expect((await attempt(customer.client.chat.completions.create(chatBody()))).status).toBe(200);
      const stream = await customer.client.chat.completions.create(streamBody({ stream_options: { include_usage: true } }));
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      // The usage chunk has no cost: a plan request is not charged.
      expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
      expect((await attempt(customer.client.embeddings.create({ model: 'fake-model', input: 'one two' }))).status).toBe(200);
      fixture.fake.setBehavior({ mode: 'error500' });
      expect((await attempt(customer.client.chat.completions.create(chatBody()))).status).toBe(500);
      fixture.fake.reset();

      const after = await accountState(fixture, customer.accountId);
      expect({ balance: after.balanceMicros, reserved: after.reservedMicros, holds: after.holds, transactions: after.transactionCount, charges: after.chargesMicros }).toEqual({
        balance: START_MICROS,
        reserved: 0n,
        holds: before.holds,
        transactions: before.transactionCount,
        charges: before.chargesMicros,
      });
      expect(after.usage.map((record) => [record.billing, record.outcome, record.costMicros])).toEqual([
        ['plan', 'ok', 0n],
        ['plan', 'ok', 0n],
        ['plan', 'ok', 0n],
        ['plan', 'upstream_rejected', 0n],
      ]);
      await expectAuditClean(fixture.testApp.context.db);
    });
  });
}
