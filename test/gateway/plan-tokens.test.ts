// Acceptance (issue 10, point 3): tokens are reserved up front (the body's bytes as the prompt
// bound, plus max_tokens), so parallel requests whose reservations together exceed a token
// quota are refused before any is forwarded, with no overshoot; once they finish, the counter
// holds the real usage the upstream reported, not the reservations. Redis and in-process alike.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { waitFor } from './account-state';
import { startGatedUpstream, type GatedUpstream } from './gated-upstream';
import { attempt, chatBody, createPlanCustomer, createPlanFixture, limitHeaders, quotaEntry, STORE_KINDS, type PlanFixture } from '../quotas/support';

const BODY = chatBody({ max_tokens: 100 });
/** What one request reserves: its body's bytes (the SDK sends it as JSON.stringify does) plus max_tokens. */
const RESERVED = Buffer.byteLength(JSON.stringify(BODY)) + 100;
/** What one request really uses: the fake counts 3 prompt words and answers 4 tokens. */
const USED = 3 + 4;
const PER_MINUTE = 3 * RESERVED + Math.floor(RESERVED / 2);
const PER_DAY = RESERVED + 3 * USED - 1;

for (const store of STORE_KINDS) {
  describe(`plan token quotas (${store} counters)`, () => {
    let fixture: PlanFixture;
    let held: FakeUpstream;
    let gate: GatedUpstream;
    beforeAll(async () => {
      held = startFakeUpstream();
      gate = startGatedUpstream(held);
      fixture = await createPlanFixture(store, {
        upstreams: [{ name: 'gated', url: gate.url, models: ['fake-model'] }],
        plans: { minute: { tokens_per_minute: PER_MINUTE }, daily: { tokens_per_day: PER_DAY } },
      });
    });
    afterAll(async () => {
      await fixture.close();
      await gate.stop();
      await held.stop();
    });

    test('10 in parallel: the 3 whose reservations fit are admitted, 7 refused up front; then the counter is the real usage', async () => {
      const customer = await createPlanCustomer(fixture, 'minute');
      gate.shut();
      let answered = 0;
      const pending = Array.from({ length: 10 }, () => attempt(customer.client.chat.completions.create(BODY)).finally(() => (answered += 1)));
      // The admitted three wait at the gate while the others are answered: nothing finished yet.
      const state = await waitFor(async () => ({ arrived: gate.arrived(), answered }), (value) => value.arrived === 3 && value.answered === 7);
      expect(state).toEqual({ arrived: 3, answered: 7 });
      expect((await quotaEntry(fixture, customer, 'tokens_per_minute')).used).toBe(3 * RESERVED);
      gate.open();
      const outcomes = await Promise.all(pending);

      const served = outcomes.filter((outcome) => outcome.status === 200);
      const refused = outcomes.filter((outcome) => outcome.status === 429);
      expect([served.length, refused.length]).toEqual([3, 7]);
      expect(3 * RESERVED).toBeLessThanOrEqual(PER_MINUTE);
      const remaining = served.map((outcome) => Number(outcome.headers.get('x-ratelimit-remaining-tokens'))).sort((a, b) => a - b);
      expect(remaining).toEqual([PER_MINUTE - 3 * RESERVED, PER_MINUTE - 2 * RESERVED, PER_MINUTE - RESERVED]);
      for (const outcome of refused) {
        expect(outcome.code).toBe('rate_limit_exceeded');
        expect(limitHeaders(outcome.headers)).toEqual({
          'x-ratelimit-limit-tokens': String(PER_MINUTE),
          'x-ratelimit-remaining-tokens': String(PER_MINUTE - 3 * RESERVED),
          'x-ratelimit-reset-tokens': '50s',
          'retry-after': '50',
        });
      }
      const entry = await quotaEntry(fixture, customer, 'tokens_per_minute');
      expect(entry).toMatchObject({ limit: PER_MINUTE, used: 3 * USED, remaining: PER_MINUTE - 3 * USED, resets_at: new Date(fixture.clock.nowMs + 50_000).toISOString() });
    });

    test('a day quota: each finished request counts what it used, so three fit; the fourth is quota_exceeded until the UTC day ends', async () => {
      const customer = await createPlanCustomer(fixture, 'daily');
      gate.open();
      // Without the correction to real usage, the second request would not fit (2 × RESERVED > PER_DAY).
      expect(2 * RESERVED).toBeGreaterThan(PER_DAY);
      // A stream first (its body, 14 bytes longer, still fits alone): its usage comes in its last chunk.
      const stream = await customer.client.chat.completions.create({ ...BODY, stream: true });
      for await (const _chunk of stream) void _chunk;
      const second = await attempt(customer.client.chat.completions.create(BODY));
      const third = await attempt(customer.client.chat.completions.create(BODY));
      expect([second.status, third.status]).toEqual([200, 200]);
      expect((await quotaEntry(fixture, customer, 'tokens_per_day')).used).toBe(3 * USED);

      const fourth = await attempt(customer.client.chat.completions.create(BODY));
      expect(fourth.status).toBe(429);
      expect(fourth.code).toBe('quota_exceeded');
      // 09:30:10 UTC: the day ends in 14 h 29 min 50 s.
      expect(limitHeaders(fourth.headers)).toEqual({
        'x-ratelimit-limit-tokens': String(PER_DAY),
        'x-ratelimit-remaining-tokens': String(PER_DAY - 3 * USED),
        'x-ratelimit-reset-tokens': '14h29m50s',
        'retry-after': String(14 * 3600 + 29 * 60 + 50),
      });
      expect(await quotaEntry(fixture, customer, 'tokens_per_day')).toMatchObject({ used: 3 * USED, resets_at: '2031-05-15T00:00:00.000Z' });
    });
  });
}
