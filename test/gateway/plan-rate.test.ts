// Acceptance (issue 10, point 1): a plan of 10 requests a minute, 50 requests at once through
// the OpenAI SDK: exactly 10 are served and 40 refused with 429 rate_limit_exceeded, OpenAI's
// x-ratelimit-* headers and Retry-After; once the clock passes into the next minute, requests
// pass again. With the counters in Redis and in the process alike.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { durationText } from '../../src/quotas/windows';
import { accountState } from './account-state';
import { attempt, chatBody, createPlanCustomer, createPlanFixture, limitHeaders, STORE_KINDS, streamBody, type PlanFixture } from '../quotas/support';

for (const store of STORE_KINDS) {
  describe(`plan requests per minute (${store} counters)`, () => {
    let fixture: PlanFixture;
    beforeAll(async () => {
      fixture = await createPlanFixture(store, { plans: { ten: { requests_per_minute: 10 } } });
    });
    afterAll(() => fixture.close());

    test('50 at once: exactly 10 served, 40 × 429 with the headers; the next minute serves again', async () => {
      const customer = await createPlanCustomer(fixture, 'ten');
      const forwardedBefore = fixture.fake.requests.length;
      const outcomes = await Promise.all(Array.from({ length: 50 }, () => attempt(customer.client.chat.completions.create(chatBody()))));

      const served = outcomes.filter((outcome) => outcome.status === 200);
      const refused = outcomes.filter((outcome) => outcome.status === 429);
      expect(served).toHaveLength(10);
      expect(refused).toHaveLength(40);
      expect(fixture.fake.requests.length - forwardedBefore).toBe(10);
      // Each served answer says how many were left after it: 9, 8, … 0, once each. The clock
      // stands 10 s into its minute, so the window resets in 50 s. No token limit: no token headers.
      expect(served.map((outcome) => Number(outcome.headers.get('x-ratelimit-remaining-requests'))).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const outcome of served) {
        expect(limitHeaders(outcome.headers)).toEqual({
          'x-ratelimit-limit-requests': '10',
          'x-ratelimit-remaining-requests': outcome.headers.get('x-ratelimit-remaining-requests')!,
          'x-ratelimit-reset-requests': '50s',
        });
      }
      for (const outcome of refused) {
        expect(outcome.code).toBe('rate_limit_exceeded');
        expect(limitHeaders(outcome.headers)).toEqual({
          'x-ratelimit-limit-requests': '10',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': '50s',
          'retry-after': '50',
        });
      }
      // Refused requests were never forwarded and leave no usage record; served ones cost nothing.
      const { usage } = await accountState(fixture, customer.accountId);
      expect(usage.filter((record) => record.outcome === 'ok')).toHaveLength(10);
      expect(usage.every((record) => record.billing === 'plan' && record.costMicros === 0n)).toBe(true);

      fixture.clock.advance(50_000);
      const next = await attempt(customer.client.chat.completions.create(chatBody()));
      expect(next.status).toBe(200);
      expect(limitHeaders(next.headers)).toEqual({ 'x-ratelimit-limit-requests': '10', 'x-ratelimit-remaining-requests': '9', 'x-ratelimit-reset-requests': '1m0s' });
    });

    test('streams and errors of admitted requests carry the headers too', async () => {
      const customer = await createPlanCustomer(fixture, 'ten');
      const reset = durationText(60_000 - (fixture.clock.nowMs % 60_000));
      const { data: stream, response } = await customer.client.chat.completions.create(streamBody()).withResponse();
      for await (const _chunk of stream) void _chunk;
      expect(limitHeaders(response.headers)).toEqual({ 'x-ratelimit-limit-requests': '10', 'x-ratelimit-remaining-requests': '9', 'x-ratelimit-reset-requests': reset });
      fixture.fake.setBehavior({ mode: 'refuse' });
      const unreachable = await attempt(customer.client.chat.completions.create(chatBody()));
      fixture.fake.reset();
      expect([unreachable.status, unreachable.code]).toEqual([503, 'upstream_unavailable']);
      expect(limitHeaders(unreachable.headers)).toEqual({ 'x-ratelimit-limit-requests': '10', 'x-ratelimit-remaining-requests': '8', 'x-ratelimit-reset-requests': reset });
    });

    test('the refusal is OpenAI\'s error JSON', async () => {
      const customer = await createPlanCustomer(fixture, 'ten');
      for (let index = 0; index < 10; index++) expect((await attempt(customer.client.chat.completions.create(chatBody()))).status).toBe(200);
      const response = await fetch(`${fixture.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json' },
        body: JSON.stringify(chatBody()),
      });
      expect(response.status).toBe(429);
      expect(await response.json()).toEqual({
        error: { message: 'Plan limit reached: 10 requests per minute (used 10). Retry later.', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' },
      });
    });
  });
}
