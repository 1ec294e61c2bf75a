// Acceptance: upstream faults and client disconnects never cost more than was generated. One
// failover before any byte; a failed call costs nothing; a broken or abandoned stream is charged
// for what was streamed.
import OpenAI, { type APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { FakeBehavior, RecordedRequest } from '../support/fake-upstream';
import { accountState, costMicros, errorOf, waitFor } from './account-state';
import { createCustomer, createGatewayFixture, expectLedgerBalanced, type GatewayFixture } from './support';

// Streams with delays and up to sixty failover round trips; bun's 5 s default is too tight.
setDefaultTimeout(20_000);

let fixture: GatewayFixture;
beforeAll(async () => {
  // Failover is under test here, request after request against a failing upstream: the circuit
  // breaker (test/upstreams) would take it out of the rotation after its default 5 failures.
  fixture = await createGatewayFixture({ upstream_health: { failures_to_open: 1000 } }, 2);
});
beforeEach(() => fixture.fakes.forEach((fake) => fake.reset()));
afterAll(() => fixture.close());

const START_MICROS = 1_000_000n;
const MESSAGES = [{ role: 'user' as const, content: 'a b c' }];
/** The gateway's prompt estimate when no usage comes: the messages' JSON bytes over four. */
const PROMPT_GUESS = Math.ceil(Buffer.byteLength(JSON.stringify(MESSAGES)) / 4);

const setBoth = (behavior: Partial<FakeBehavior>) => fixture.fakes.forEach((fake) => fake.setBehavior(behavior));
const requestsWithId = (requestId: string): RecordedRequest[] =>
  fixture.fakes.flatMap((fake) => fake.requests.filter((request) => request.headers['x-request-id'] === requestId));

describe('failover before the first byte', () => {
  for (const mode of ['error500', 'refuse'] as const) {
    test(`the first upstream ${mode === 'refuse' ? 'refuses the connection' : 'answers 500'}: the other one serves, charged once`, async () => {
      const customer = await createCustomer(fixture, START_MICROS);
      fixture.fakes[0]!.setBehavior({ mode });
      // The first upstream is picked at random; send requests until the failing one was tried
      // first three times (bounded: sixty requests all missing it has odds of about 2^-60).
      const sent: string[] = [];
      while (fixture.fakes[0]!.requests.length < 3 && sent.length < 60) {
        const requestId = `failover-${mode}-${sent.length}`;
        const completion = await customer.client.chat.completions.create({ model: 'fake-model', messages: MESSAGES }, { headers: { 'x-request-id': requestId } });
        expect(completion.choices[0]?.message.content).toBe('tok0 tok1 tok2 tok3');
        sent.push(requestId);
      }
      expect(fixture.fakes[0]!.requests.length).toBeGreaterThanOrEqual(3);

      const state = await accountState(fixture, customer.accountId);
      const expected = costMicros(3, 4);
      expect(state.chargesMicros).toEqual(sent.map(() => expected));
      expect(state.balanceMicros).toBe(START_MICROS - expected * BigInt(sent.length));
      expect(state.reservedMicros).toBe(0n);
      expect(state.holds.every((hold) => hold.status === 'posted')).toBe(true);
      for (const failedOver of fixture.fakes[0]!.requests.map((request) => request.headers['x-request-id']!)) {
        expect(requestsWithId(failedOver)).toHaveLength(2);
        expect(state.usage.find((record) => record.requestId === failedOver)).toMatchObject({ upstream: 'fake-1', outcome: 'ok', statusCode: 200, costMicros: expected });
      }
      expect(await expectLedgerBalanced(fixture)).toEqual([]);
    });
  }

  test('a stream fails over too when the first upstream answers 500', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    fixture.fakes[0]!.setBehavior({ mode: 'error500' });
    let streams = 0;
    while (fixture.fakes[0]!.requests.length < 2 && streams < 60) {
      const stream = await customer.client.chat.completions.create({ model: 'fake-model', messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      expect(text).toBe('tok0 tok1 tok2 tok3');
      streams += 1;
    }
    const state = await accountState(fixture, customer.accountId);
    expect(state.chargesMicros).toEqual(Array(streams).fill(costMicros(3, 4)));
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });
});

describe('every upstream fails', () => {
  // The last upstream's own 5xx is passed on (its status and message), not replaced by ours.
  for (const [mode, status, code, outcome] of [
    ['error500', 500, 'upstream_error', 'upstream_rejected'],
    ['refuse', 503, 'upstream_unavailable', 'upstream_unavailable'],
  ] as const) {
    test(`both ${mode === 'refuse' ? 'refuse' : 'answer 500'}: ${status} ${code}, the hold is voided, the wallet unchanged`, async () => {
      const customer = await createCustomer(fixture, START_MICROS);
      setBoth({ mode });
      const error = await errorOf(
        customer.client.chat.completions.create({ model: 'fake-model', messages: MESSAGES }, { headers: { 'x-request-id': `all-fail-${mode}` } }),
      );
      expect(error).toBeInstanceOf(OpenAI.InternalServerError);
      expect((error as APIError).status).toBe(status);
      expect((error as APIError).code).toBe(code);
      expect((error as APIError).type).toBe('api_error');
      if (mode === 'error500') expect((error as APIError).message).toContain('The fake upstream failed on purpose.');
      expect(requestsWithId(`all-fail-${mode}`)).toHaveLength(2); // one try each, no more

      const state = await accountState(fixture, customer.accountId);
      expect(state.balanceMicros).toBe(START_MICROS);
      expect(state.reservedMicros).toBe(0n);
      expect(state.chargesMicros).toEqual([]);
      expect(state.holds.map((hold) => hold.status)).toEqual(['voided']);
      expect(state.usage).toEqual([expect.objectContaining({ statusCode: status, outcome, costMicros: 0n, holdId: state.holds[0]!.id })]);
      expect(await expectLedgerBalanced(fixture)).toEqual([]);
    });
  }

  test('an upstream 400 is passed through, not retried, and costs nothing', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    setBoth({ mode: 'error400' });
    const error = await errorOf(customer.client.chat.completions.create({ model: 'fake-model', messages: MESSAGES }, { headers: { 'x-request-id': 'upstream-400' } }));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(requestsWithId('upstream-400')).toHaveLength(1);
    const state = await accountState(fixture, customer.accountId);
    expect(state.balanceMicros).toBe(START_MICROS);
    expect(state.reservedMicros).toBe(0n);
    expect(state.holds.map((hold) => hold.status)).toEqual(['voided']);
    expect(state.usage).toEqual([expect.objectContaining({ statusCode: 400, costMicros: 0n })]);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });

  test('a non-stream body cut short: 502, the hold is voided, the wallet unchanged', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    setBoth({ mode: 'dieMidStream' });
    const error = await errorOf(customer.client.chat.completions.create({ model: 'fake-model', messages: MESSAGES }));
    expect((error as APIError).status).toBe(502);
    const state = await accountState(fixture, customer.accountId);
    expect(state.balanceMicros).toBe(START_MICROS);
    expect(state.reservedMicros).toBe(0n);
    expect(state.holds.map((hold) => hold.status)).toEqual(['voided']);
    expect(state.usage).toEqual([expect.objectContaining({ statusCode: 502, outcome: 'upstream_broken', costMicros: 0n })]);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });
});

describe('an upstream stream that breaks or reports no usage', () => {
  for (const omitUsage of [false, true]) {
    test(`dies after 4 of 10 chunks${omitUsage ? ' (usage omitted)' : ''}: the client sees an error, the charge is for the 4 chunks`, async () => {
      const customer = await createCustomer(fixture, START_MICROS);
      setBoth({ mode: 'dieMidStream', chunks: 10, dieAfterChunks: 4, omitUsage });
      const stream = await customer.client.chat.completions.create({ model: 'fake-model', messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
      let text = '';
      const error = await errorOf(
        (async () => {
          for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
        })(),
      );
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(text).toBe('tok0 tok1 tok2 tok3 ');

      const expected = costMicros(PROMPT_GUESS, 4);
      const state = await accountState(fixture, customer.accountId);
      expect(state.chargesMicros).toEqual([expected]);
      expect(state.balanceMicros).toBe(START_MICROS - expected);
      expect(state.reservedMicros).toBe(0n);
      expect(state.holds.map((hold) => [hold.status, hold.postedMicros])).toEqual([['posted', expected]]);
      expect(state.usage).toEqual([
        expect.objectContaining({ statusCode: 502, outcome: 'upstream_broken', promptTokens: PROMPT_GUESS, completionTokens: 4, usageEstimated: 1, costMicros: expected }),
      ]);
      expect(await expectLedgerBalanced(fixture)).toEqual([]);
    });
  }

  test('ends cleanly without usage: every chunk arrives, the charge counts the streamed chunks', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    setBoth({ chunks: 12, omitUsage: true });
    const stream = await customer.client.chat.completions.create({ model: 'fake-model', messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
    let chunks = 0;
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) chunks += 1;
    expect(chunks).toBe(12);
    const expected = costMicros(PROMPT_GUESS, 12);
    const state = await accountState(fixture, customer.accountId);
    expect(state.chargesMicros).toEqual([expected]);
    expect(state.balanceMicros).toBe(START_MICROS - expected);
    expect(state.usage).toEqual([expect.objectContaining({ statusCode: 200, outcome: 'ok', completionTokens: 12, usageEstimated: 1, costMicros: expected })]);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });
});

describe('the client goes away mid-stream', () => {
  test('the upstream is stopped within a second and the hold settles for the chunks streamed so far', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    setBoth({ chunks: 50, chunkDelayMs: 100 });
    const requestId = 'client-abort-1';
    const controller = new AbortController();
    const stream = await customer.client.chat.completions.create(
      { model: 'fake-model', messages: MESSAGES, stream: true, stream_options: { include_usage: true } },
      { signal: controller.signal, headers: { 'x-request-id': requestId } },
    );
    let received = 0;
    let abortedAtMs = 0;
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta?.content) received += 1;
        if (received === 5) {
          abortedAtMs = Date.now();
          controller.abort();
        }
      }
    } catch (error) {
      expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
    }
    expect(abortedAtMs).toBeGreaterThan(0);

    const [upstreamRequest] = requestsWithId(requestId);
    await waitFor(async () => upstreamRequest!.abortedAtMs, (at) => at !== null, 3000);
    expect(upstreamRequest!.finished).toBe(false);
    expect(upstreamRequest!.abortedAtMs).not.toBeNull();
    expect(upstreamRequest!.abortedAtMs! - abortedAtMs).toBeLessThan(1000);

    const state = await waitFor(
      () => accountState(fixture, customer.accountId),
      (value) => value.holds.length === 1 && value.holds[0]!.status !== 'pending',
      5000,
    );
    expect(state.holds.map((hold) => hold.status)).toEqual(['posted']);
    const charged = state.holds[0]!.postedMicros!;
    expect(charged).toBeGreaterThan(0n);
    expect(charged).toBeLessThan(costMicros(3, 50));
    const [record] = state.usage;
    expect(record).toMatchObject({ statusCode: 499, outcome: 'client_gone', usageEstimated: 1, costMicros: charged });
    expect(record!.completionTokens).toBeGreaterThanOrEqual(received);
    expect(record!.completionTokens).toBeLessThan(50);
    expect(charged).toBe(costMicros(PROMPT_GUESS, record!.completionTokens));
    expect(state.chargesMicros).toEqual([charged]);
    expect(state.balanceMicros).toBe(START_MICROS - charged);
    expect(state.reservedMicros).toBe(0n);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });

  test('before the upstream answered: the upstream is stopped, nothing is charged, the hold is voided', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    setBoth({ delayMs: 3000 });
    const requestId = 'client-abort-early';
    const controller = new AbortController();
    const call = customer.client.chat.completions.create({ model: 'fake-model', messages: MESSAGES }, { signal: controller.signal, headers: { 'x-request-id': requestId } });
    const arrived = await waitFor(async () => requestsWithId(requestId), (requests) => requests.length === 1, 2000);
    expect(arrived).toHaveLength(1);
    const abortedAtMs = Date.now();
    controller.abort();
    expect(await errorOf(call)).toBeInstanceOf(OpenAI.APIUserAbortError);

    await waitFor(async () => arrived[0]!.abortedAtMs, (at) => at !== null, 3000);
    expect(arrived[0]!.abortedAtMs).not.toBeNull();
    expect(arrived[0]!.abortedAtMs! - abortedAtMs).toBeLessThan(1000);
    const state = await waitFor(
      () => accountState(fixture, customer.accountId),
      (value) => value.holds.length === 1 && value.holds[0]!.status !== 'pending',
      5000,
    );
    expect(state.holds.map((hold) => hold.status)).toEqual(['voided']);
    expect(state.chargesMicros).toEqual([]);
    expect(state.balanceMicros).toBe(START_MICROS);
    expect(state.reservedMicros).toBe(0n);
    expect(state.usage).toEqual([expect.objectContaining({ statusCode: 499, outcome: 'client_aborted', costMicros: 0n })]);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });
});
