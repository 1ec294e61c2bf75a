// Upstream health through the gateway: probes take a failing upstream out of the rotation and
// bring it back; /readyz says which are up; with every upstream of a model down the client gets
// a 503 OpenAI error and pays nothing; the circuit breaker opens on consecutive failures
// (connection refused, 5xx) and half-opens after open_seconds, on the context's clock.
import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { balanceOf, createCustomer, createGatewayFixture, expectLedgerBalanced, type Customer, type GatewayFixture } from '../gateway/support';
import { chat, postsTo, readiness, runProbes } from './support';

setDefaultTimeout(20_000);

describe('probes and /readyz', () => {
  let fixture: GatewayFixture;
  let customer: Customer;
  beforeAll(async () => {
    fixture = await createGatewayFixture({ upstream_health: { probe_interval_seconds: 5, probe_timeout_seconds: 1 } }, 2);
    customer = await createCustomer(fixture, 10_000_000n);
  });
  beforeEach(async () => {
    fixture.fakes.forEach((fake) => fake.reset());
    await runProbes(fixture.testApp);
  });
  afterAll(() => fixture.close());

  test('every upstream up: ready, each listed with its probe and breaker', async () => {
    const { status, body } = await readiness(fixture.testApp);
    expect(status).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.models).toEqual({ 'fake-model': { upstreams: 2, up: 2 }, 'other-model': { upstreams: 2, up: 2 } });
    expect(body.upstreams.map((upstream: any) => [upstream.name, upstream.up, upstream.probe, upstream.breaker])).toEqual([
      ['fake-0', true, 'up', 'closed'],
      ['fake-1', true, 'up', 'closed'],
    ]);
    expect(JSON.stringify(body)).not.toContain(fixture.fake.url); // no upstream URL on an unauthenticated route
  });

  test('an upstream failing its probe leaves the rotation, and comes back once a probe succeeds', async () => {
    fixture.fakes[1]!.setBehavior({ mode: 'error500' });
    await runProbes(fixture.testApp);
    const { status, body } = await readiness(fixture.testApp);
    expect(status).toBe(200); // fake-0 still serves both models
    expect(body.upstreams[1]).toMatchObject({ name: 'fake-1', up: false, probe: 'down', probe_error: 'GET /v1/models answered 500' });
    for (let index = 0; index < 10; index++) expect((await chat(customer.client)).status).toBe(200);
    expect(postsTo(fixture.fakes[1]!.requests)).toBe(0);
    expect(postsTo(fixture.fakes[0]!.requests)).toBe(10);

    fixture.fakes[1]!.reset();
    await runProbes(fixture.testApp);
    expect((await readiness(fixture.testApp)).body.upstreams[1]).toMatchObject({ up: true, probe: 'up', probe_error: null });
    for (let index = 0; index < 20; index++) await chat(customer.client);
    expect(postsTo(fixture.fakes[1]!.requests)).toBeGreaterThan(0); // back in the rotation (by weight: 20 requests never all miss it in practice)
  });

  test('a probe that gets no answer within probe_timeout_seconds marks the upstream down, saying so', async () => {
    fixture.fakes[0]!.setBehavior({ delayMs: 3000 });
    const startedMs = Date.now();
    await runProbes(fixture.testApp);
    expect(Date.now() - startedMs).toBeLessThan(2500); // bounded by the 1 s timeout, not the upstream
    const { body } = await readiness(fixture.testApp);
    expect(body.upstreams[0]).toMatchObject({ name: 'fake-0', up: false, probe: 'down', probe_error: 'GET /v1/models did not answer within 1000 ms' });
    expect(body.upstreams[1]).toMatchObject({ up: true });
  });

  test('every upstream of the model down: /readyz 503 not_ready, the client a 503 OpenAI error, nothing charged', async () => {
    for (const fake of fixture.fakes) fake.setBehavior({ mode: 'refuse' });
    await runProbes(fixture.testApp);
    const ready = await readiness(fixture.testApp);
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('not_ready');
    expect(ready.body.models['fake-model']).toEqual({ upstreams: 2, up: 0 });
    const before = await balanceOf(fixture, customer.accountId);
    const outcome = await chat(customer.client);
    expect(outcome).toMatchObject({ status: 503, code: 'upstream_unavailable', retryAfter: '30' });
    expect(outcome.message).toContain('Every upstream of the model "fake-model" is down');
    expect(fixture.fakes.map((fake) => postsTo(fake.requests))).toEqual([0, 0]);
    expect(await balanceOf(fixture, customer.accountId)).toBe(before);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);

    for (const fake of fixture.fakes) fake.reset();
    await runProbes(fixture.testApp);
    expect((await readiness(fixture.testApp)).status).toBe(200);
    expect((await chat(customer.client)).status).toBe(200);
    expect(await balanceOf(fixture, customer.accountId)).toBeLessThan(before);
  });
});

describe('circuit breaker', () => {
  let fixture: GatewayFixture;
  let customer: Customer;
  let offsetMs = 0;
  let restarted: FakeUpstream | null = null;
  beforeAll(async () => {
    // Probes off: only requests move the breaker here.
    fixture = await createGatewayFixture({ upstream_health: { probe_interval_seconds: 0, failures_to_open: 2, open_seconds: 30 } }, 1);
    fixture.testApp.context.now = () => Date.now() + offsetMs;
    customer = await createCustomer(fixture, 10_000_000n);
  });
  afterAll(async () => {
    await fixture.close();
    await restarted?.stop();
  });

  test('5xx answers: the second opens it; the next request is refused without reaching the upstream, and free', async () => {
    fixture.fake.setBehavior({ mode: 'error500' });
    expect((await chat(customer.client)).status).toBe(500); // the upstream's own error, passed on
    expect((await chat(customer.client)).status).toBe(500);
    const before = await balanceOf(fixture, customer.accountId);
    const refused = await chat(customer.client);
    expect(refused).toMatchObject({ status: 503, code: 'upstream_unavailable' });
    expect(postsTo(fixture.fake.requests)).toBe(2);
    expect(await balanceOf(fixture, customer.accountId)).toBe(before);
    const { status, body } = await readiness(fixture.testApp);
    expect(status).toBe(503);
    expect(body.upstreams[0]).toMatchObject({ name: 'fake-0', up: false, breaker: 'open', consecutive_failures: 2 });

    // After open_seconds one trial goes through; the upstream recovered, so the breaker closes.
    fixture.fake.reset();
    offsetMs += 30_000;
    expect((await readiness(fixture.testApp)).body.upstreams[0].breaker).toBe('half_open');
    expect((await chat(customer.client)).status).toBe(200);
    expect((await readiness(fixture.testApp)).body.upstreams[0]).toMatchObject({ up: true, breaker: 'closed', consecutive_failures: 0 });
  });

  test('connection refused: the upstream goes away, opens the breaker, comes back on the same port and serves after the cool-down', async () => {
    const port = Number(new URL(fixture.fake.url).port);
    await fixture.fake.stop();
    expect((await chat(customer.client)).status).toBe(503);
    expect((await chat(customer.client)).status).toBe(503);
    expect((await readiness(fixture.testApp)).body.upstreams[0].breaker).toBe('open');
    restarted = startFakeUpstream({ port });
    const stillOpen = await chat(customer.client);
    expect(stillOpen.message).toContain('is down');
    expect(postsTo(restarted.requests)).toBe(0);
    offsetMs += 30_000;
    // The trial fails again if the upstream is down; here it is back, so it closes the breaker.
    const served = await chat(customer.client);
    expect(served).toMatchObject({ status: 200, content: 'tok0 tok1 tok2 tok3' });
    expect(postsTo(restarted.requests)).toBe(1);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });
});
