// Acceptance (issue 10, concurrency): a plan of 2 concurrent requests with streams held open:
// the third is refused (429 rate_limit_exceeded); once one ends, the next is admitted; a client
// that aborts frees its slot; and a slot whose process died (its ticket neither finished nor
// renewed) frees itself at its ticket's expiry, read from the test clock. Redis and in-process.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { keysOf, requestScopes } from '../../src/quotas/scopes';
import { windowsAt } from '../../src/quotas/windows';
import { waitFor } from './account-state';
import { startHeldStreams, type HeldStreams } from './held-streams';
import { attempt, chatBody, createPlanCustomer, createPlanFixture, limitHeaders, quotaEntry, STORE_KINDS, streamBody, type PlanFixture } from '../quotas/support';
import type { Customer } from './support';

// An abort reaches the server when its connection closes; the wait for it is bounded at 5 s.
setDefaultTimeout(30_000);

interface OpenStream {
  next: () => Promise<IteratorResult<unknown>>;
  abort: AbortController;
  /** Reads the rest; the error it ended with, if any. */
  drain: () => Promise<unknown>;
}

/** Opens a stream and waits for its first chunk: from then on it holds a slot. */
async function openStream(customer: Customer): Promise<OpenStream> {
  const abort = new AbortController();
  const stream = await customer.client.chat.completions.create(streamBody(), { signal: abort.signal });
  const iterator = stream[Symbol.asyncIterator]();
  expect((await iterator.next()).done).toBe(false);
  const next = () => iterator.next();
  const drain = async () => {
    try {
      while (!(await next()).done);
      return null;
    } catch (error) {
      return error;
    }
  };
  return { next, abort, drain };
}

for (const store of STORE_KINDS) {
  describe(`plan concurrency (${store} counters)`, () => {
    let fixture: PlanFixture;
    let held: HeldStreams;
    beforeAll(async () => {
      held = startHeldStreams();
      fixture = await createPlanFixture(store, { upstreams: [{ name: 'held', url: held.url, models: ['fake-model'] }], plans: { duo: { concurrent: 2 } } });
    });
    afterAll(async () => {
      await fixture.close();
      await held.stop();
    });

    const inFlight = async (customer: Customer) => (await quotaEntry(fixture, customer, 'concurrent')).used;

    test('the third is refused; one ends and the next is admitted; an abort frees its slot', async () => {
      const customer = await createPlanCustomer(fixture, 'duo');
      const first = await openStream(customer);
      const second = await openStream(customer);
      expect(await inFlight(customer)).toBe(2);

      const third = await attempt(customer.client.chat.completions.create(streamBody()));
      expect([third.status, third.code]).toEqual([429, 'rate_limit_exceeded']);
      // Nothing but concurrency limits this plan: no x-ratelimit-* pair applies, Retry-After says 1 s.
      expect(limitHeaders(third.headers)).toEqual({ 'retry-after': '1' });

      held.finishOldest();
      expect(await first.drain()).toBeNull();
      const fourth = await openStream(customer);
      expect(await inFlight(customer)).toBe(2);

      second.abort.abort();
      await second.drain();
      // The server learns of the abort when the connection closes, a moment later.
      expect(await waitFor(() => inFlight(customer), (count) => count === 1)).toBe(1);
      const fifth = await openStream(customer);
      expect(await inFlight(customer)).toBe(2);

      held.finishOldest();
      held.finishOldest();
      expect([await fourth.drain(), await fifth.drain()]).toEqual([null, null]);
      expect(await inFlight(customer)).toBe(0);
    });

    test("a slot whose process died frees itself when its ticket expires", async () => {
      const customer = await createPlanCustomer(fixture, 'duo');
      const { context, config } = fixture.testApp;
      // What a process that admitted a request and then died leaves behind: a ticket nobody
      // finishes or renews, its last renewal promising 5 s.
      const nowMs = fixture.clock.nowMs;
      const scopes = requestScopes(config.redis.keyPrefix, { accountId: customer.accountId, keyId: customer.keyId, keyLimits: null }, config.plans.duo!, 'fake-model');
      const windows = windowsAt(nowMs);
      const dead = await context.quotas.primary.admit({
        ticketId: 'qt_dead',
        scopes: scopes.map((scope) => ({ keys: keysOf(scope, windows), limits: scope.limits })),
        reserveTokens: 10,
        nowMs,
        ticketExpiresAtMs: nowMs + 5000,
        ttl: { minuteMs: 60_000, dayMs: 60_000, monthMs: 60_000, inFlightMs: 60_000 },
      });
      expect(dead.admitted).toBe(true);

      const live = await openStream(customer);
      const refused = await attempt(customer.client.chat.completions.create(chatBody()));
      expect([refused.status, refused.code]).toEqual([429, 'rate_limit_exceeded']);

      fixture.clock.advance(5000);
      const admitted = await openStream(customer);
      expect(await inFlight(customer)).toBe(2);
      held.finishOldest();
      held.finishOldest();
      expect([await live.drain(), await admitted.drain()]).toEqual([null, null]);
    });
  });
}
