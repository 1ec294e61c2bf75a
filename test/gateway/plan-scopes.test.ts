// A plan request is checked and counted in every scope that bounds it, in one atomic admission:
// its account (the plan's limits), its account's use of one model (the plan's per-model limits)
// and its key (the limits an admin gave that key with PUT /admin/keys/:id/limits, stricter than
// the plan). Redis and in-process alike.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { attempt, chatBody, createPlanCustomer, createPlanFixture, quotaEntry, STORE_KINDS, type PlanFixture } from '../quotas/support';
import OpenAI, { type APIError } from 'openai';

const PLANS = { team: { requests_per_minute: 5, model_limits: { 'other-model': { requests_per_minute: 2 } } } };

for (const store of STORE_KINDS) {
  describe(`plan scopes (${store} counters)`, () => {
    let fixture: PlanFixture;
    beforeAll(async () => {
      fixture = await createPlanFixture(store, { plans: PLANS });
    });
    afterAll(() => fixture.close());

    test('a model the plan limits: its own count, inside the plan total', async () => {
      const customer = await createPlanCustomer(fixture, 'team');
      const other = [];
      for (let index = 0; index < 3; index++) other.push(await attempt(customer.client.chat.completions.create(chatBody({ model: 'other-model' }))));
      expect(other.map((outcome) => outcome.status)).toEqual([200, 200, 429]);
      expect(other.map((outcome) => outcome.headers.get('x-ratelimit-limit-requests'))).toEqual(['2', '2', '2']);
      const refusal = await customer.client.chat.completions.create(chatBody({ model: 'other-model' })).catch((error: APIError) => error);
      expect((refusal as APIError).message).toContain('Plan limit for the model "other-model" reached: 2 requests per minute');
      // The plan's 5 include the model's 2: three more of another model, then 429.
      const rest = [];
      for (let index = 0; index < 4; index++) rest.push((await attempt(customer.client.chat.completions.create(chatBody()))).status);
      expect(rest).toEqual([200, 200, 200, 429]);
      expect(await quotaEntry(fixture, customer, 'requests_per_minute', 'model')).toMatchObject({ model: 'other-model', limit: 2, used: 2, remaining: 0 });
      expect(await quotaEntry(fixture, customer, 'requests_per_minute')).toMatchObject({ limit: 5, used: 5, remaining: 0 });
    });

    test("a key's own limits: refused at the key's limit while the account has more; another key of the account goes on", async () => {
      const customer = await createPlanCustomer(fixture, 'team');
      expect((await attempt(customer.client.chat.completions.create(chatBody()))).status).toBe(200);
      const set = await fixture.testApp.admin('PUT', `/admin/keys/${customer.keyId}/limits`, { requests_per_minute: 2 });
      expect(set.status).toBe(200);

      // The first request came before the key had limits: it counts for the account only.
      const limited = [];
      for (let index = 0; index < 2; index++) limited.push(await attempt(customer.client.chat.completions.create(chatBody())));
      expect(limited.map((outcome) => [outcome.status, outcome.headers.get('x-ratelimit-limit-requests'), outcome.headers.get('x-ratelimit-remaining-requests')])).toEqual([
        [200, '2', '1'],
        [200, '2', '0'],
      ]);
      const refused = await customer.client.chat.completions.create(chatBody()).catch((error: APIError) => error);
      expect([(refused as APIError).status, (refused as APIError).code]).toEqual([429, 'rate_limit_exceeded']);
      expect((refused as APIError).message).toContain("This key's limit reached: 2 requests per minute");
      // The refused request counts nowhere (all or nothing): the account has 3, 2 left for the account's other keys.
      expect(await quotaEntry(fixture, customer, 'requests_per_minute', 'key')).toMatchObject({ limit: 2, used: 2, remaining: 0 });
      expect(await quotaEntry(fixture, customer, 'requests_per_minute')).toMatchObject({ used: 3, remaining: 2 });

      const created = await fixture.testApp.admin('POST', `/admin/accounts/${customer.accountId}/keys`, { billing: 'plan' });
      const { key: secondKey } = (await created.json()) as { key: string };
      const sibling = new OpenAI({ baseURL: `${fixture.baseUrl}/v1`, apiKey: secondKey, maxRetries: 0 });
      const siblings = [];
      for (let index = 0; index < 3; index++) siblings.push((await attempt(sibling.chat.completions.create(chatBody()))).status);
      expect(siblings).toEqual([200, 200, 429]);
    });
  });
}

