// Regression (issue 7, point 1): every way out of a request that reserved credit, an exception
// at any stage included, settles or releases that reservation exactly once. After each forced
// failure the account must be whole again: no request left in flight in the meter, one written
// hold per request, the wallet's available credit back to its balance, and the next request served.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, spyOn, test } from 'bun:test';
import * as forwardModule from '../../src/gateway/forward';
import * as usageModule from '../../src/gateway/usage';
import { createTestApp } from '../support/app';
import { startFakeUpstream } from '../support/fake-upstream';
import { accountState, waitFor } from './account-state';
import { createCustomer, expectLedgerBalanced, type Customer, type GatewayFixture } from './support';

// Each test waits for the idle lease to go back to the wallet (about a second).
setDefaultTimeout(30_000);

const MESSAGES = [{ role: 'user' as const, content: 'a b c' }];
const START_MICROS = 1_000_000n;
const encoder = new TextEncoder();

/** What the odd upstream answers next; each test sets it. */
let oddReply: (body: any) => Response = () => new Response('unset', { status: 500 });
const odd = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: async (request) => oddReply(await request.json()) });

let fixture: GatewayFixture;
beforeAll(async () => {
  const fake = startFakeUpstream();
  const testApp = await createTestApp({
    upstreams: [
      { name: 'fake', url: fake.url, models: ['fake-model'] },
      { name: 'odd', url: `http://127.0.0.1:${odd.port}`, models: ['odd-model'] },
    ],
    wallet: { trial_credits: 0 },
    ledger: { lease_idle_seconds: 1 },
  });
  const baseUrl = testApp.listen();
  fixture = { testApp, fake, fakes: [fake], baseUrl, close: async () => (await testApp.close(), await fake.stop(), await odd.stop(true)) };
});
afterEach(() => fixture.fake.reset());
afterAll(() => fixture.close());

/** An SSE stream of `chunks` content events, then a usage chunk with `usage`, then [DONE]. */
function streamWithUsage(chunks: number, usage: Record<string, unknown>): Response {
  const head = { id: 'chatcmpl-odd', object: 'chat.completion.chunk', created: 0, model: 'odd-model' };
  const events: object[] = Array.from({ length: chunks }, (_, index) => ({ ...head, choices: [{ index: 0, delta: { content: `w${index} ` }, finish_reason: null }] }));
  events.push({ ...head, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  const text = [...events, { ...head, choices: [], usage }].map((event) => `data: ${JSON.stringify(event)}\n\n`).join('') + 'data: [DONE]\n\n';
  return new Response(text, { headers: { 'content-type': 'text/event-stream' } });
}

function completionWithUsage(usage: Record<string, unknown>): Response {
  return Response.json({ id: 'chatcmpl-odd', object: 'chat.completion', created: 0, model: 'odd-model', choices: [{ index: 0, message: { role: 'assistant', content: 'four words of text' }, finish_reason: 'stop' }], usage });
}

/** A response whose body breaks after its first bytes. */
function brokenBody(status: number, prefix: string): Response {
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) return controller.error(new Error('the odd upstream broke on purpose'));
      sent = true;
      controller.enqueue(encoder.encode(prefix));
    },
  });
  return new Response(body, { status, headers: { 'content-type': 'application/json' } });
}

async function postChat(customer: Customer, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${fixture.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    signal,
    headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Reads a whole stream through the SDK; returns the text, or the error the iteration threw. */
async function readStream(customer: Customer, model: string): Promise<{ text: string; error: unknown }> {
  let text = '';
  try {
    const stream = await customer.client.chat.completions.create({ model, messages: MESSAGES, stream: true });
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    return { text, error: null };
  } catch (error) {
    return { text, error };
  }
}

async function walletOf(customer: Customer): Promise<{ balance: string; reserved: string; available: string }> {
  return (await fixture.testApp.request('GET', '/console/wallet', { token: customer.key })).json() as Promise<any>;
}

/** The account is whole again: nothing in flight, `holds` holds written and none pending, credit available, next request served. */
async function expectRecovered(customer: Customer, holds: number | 'at most one'): Promise<void> {
  const meter = fixture.testApp.context.meter;
  expect(await waitFor(async () => meter.inFlightOf(customer.accountId), (count) => count === 0)).toBe(0);
  const state = await waitFor(() => accountState(fixture, customer.accountId), (value) => holds === 'at most one' || value.holds.length >= holds);
  if (holds === 'at most one') expect(state.holds.length).toBeLessThanOrEqual(1);
  else expect(state.holds).toHaveLength(holds);
  expect(state.holds.filter((hold) => hold.status === 'pending')).toEqual([]);
  expect(state.reservedMicros).toBe(0n);
  const wallet = await waitFor(() => walletOf(customer), (value) => value.available === value.balance, 10_000);
  expect(wallet.available).toBe(wallet.balance);
  expect(wallet.reserved).toBe('0.000000');

  const next = await customer.client.chat.completions.create({ model: 'fake-model', messages: MESSAGES });
  expect(next.choices[0]?.message.content).toBe('tok0 tok1 tok2 tok3');
  expect(meter.inFlightOf(customer.accountId)).toBe(0);
  expect(await expectLedgerBalanced(fixture)).toEqual([]);
}

describe('a throw at each stage of a request gives its reservation back', () => {
  test('building the upstream body: a 100,000-deep unknown field', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const response = await postChat(customer, `{"model":"fake-model","messages":${JSON.stringify(MESSAGES)},"extra":${deep}}`);
    // A depth limit on bodies makes this a 400 before any reservation; without one it fails
    // later. Either way it is an OpenAI error and the account is whole afterwards.
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(((await response.json()) as any).error.message).toBeString();
    expect(fixture.fake.requests).toHaveLength(0);
    await expectRecovered(customer, 'at most one');
  });

  test('forwarding throws something unexpected', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const spy = spyOn(forwardModule, 'forward').mockImplementationOnce(() => Promise.reject(new TypeError('forward broke on purpose')));
    try {
      const response = await postChat(customer, { model: 'fake-model', messages: MESSAGES });
      expect(response.status).toBeGreaterThanOrEqual(400);
    } finally {
      spy.mockRestore();
    }
    await expectRecovered(customer, 1);
  });

  test("reading an upstream error's body breaks", async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    oddReply = () => brokenBody(400, '{"error":{"message":"bad');
    const response = await postChat(customer, { model: 'odd-model', messages: MESSAGES });
    expect(response.status).toBeGreaterThanOrEqual(400);
    await expectRecovered(customer, 1);
  });

  test('a 200 whose JSON body is not an object: 502, nothing charged', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    oddReply = () => Response.json(null);
    const response = await postChat(customer, { model: 'odd-model', messages: MESSAGES });
    expect(response.status).toBe(502);
    await expectRecovered(customer, 1);
    // usage[0] is the failed request; usage[1] the next one, which expectRecovered sent.
    expect((await accountState(fixture, customer.accountId)).usage[0]).toMatchObject({ statusCode: 502, outcome: 'upstream_broken', costMicros: 0n });
  });

  test('a non-stream usage that cannot be priced (prompt_tokens 1.5) is served and charged as counted', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    oddReply = () => completionWithUsage({ prompt_tokens: 1.5, completion_tokens: 4, total_tokens: 5.5 });
    const completion = await customer.client.chat.completions.create({ model: 'odd-model', messages: MESSAGES });
    expect(completion.choices[0]?.message.content).toBe('four words of text');
    await expectRecovered(customer, 1);
    const state = await accountState(fixture, customer.accountId);
    expect(state.holds[0]?.status).toBe('posted');
    expect(state.usage[0]).toMatchObject({ statusCode: 200, usageEstimated: 1 });
    expect(state.usage[0]!.costMicros).toBeGreaterThan(0n);
  });

  test('a stream whose usage cannot be priced (prompt_tokens 1.5) ends cleanly and pays for what was delivered', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    oddReply = () => streamWithUsage(3, { prompt_tokens: 1.5, completion_tokens: 3, total_tokens: 4.5 });
    const { text, error } = await readStream(customer, 'odd-model');
    expect(error).toBeNull();
    expect(text).toBe('w0 w1 w2 ');
    await expectRecovered(customer, 1);
    const state = await accountState(fixture, customer.accountId);
    expect(state.holds[0]?.status).toBe('posted');
    expect(state.usage[0]).toMatchObject({ statusCode: 200, outcome: 'ok', usageEstimated: 1 });
    expect(state.usage[0]!.costMicros).toBeGreaterThan(0n);
  });

  test('writing the charge of a non-stream request fails: one settlement, not two', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const meter = fixture.testApp.context.meter;
    const settle = meter.settle.bind(meter);
    const spy = spyOn(meter, 'settle').mockImplementationOnce(async (...args) => {
      await settle(...args);
      throw new Error('the charge failed on purpose');
    });
    try {
      const response = await postChat(customer, { model: 'fake-model', messages: MESSAGES });
      expect(response.status).toBe(500);
    } finally {
      spy.mockRestore();
    }
    await expectRecovered(customer, 1);
  });

  test("writing a stream's charge fails: the stream still ends cleanly", async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const meter = fixture.testApp.context.meter;
    const settle = meter.settle.bind(meter);
    const spy = spyOn(meter, 'settle').mockImplementationOnce(async (...args) => {
      await settle(...args);
      throw new Error('the charge failed on purpose');
    });
    try {
      const { text, error } = await readStream(customer, 'fake-model');
      expect(error).toBeNull();
      expect(text).toBe('tok0 tok1 tok2 tok3');
    } finally {
      spy.mockRestore();
    }
    await expectRecovered(customer, 1);
  });

  test("the stream's finish throws before it reaches the meter: released, the stream still ends", async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const spy = spyOn(usageModule, 'usageRecord').mockImplementationOnce(() => {
      throw new Error('the usage record failed on purpose');
    });
    try {
      const { error } = await readStream(customer, 'fake-model');
      expect(error).toBeNull();
    } finally {
      spy.mockRestore();
    }
    await expectRecovered(customer, 1);
  });

  test('the client goes away while the upstream has not answered', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    fixture.fake.setBehavior({ delayMs: 10_000 });
    const abort = new AbortController();
    const sent = postChat(customer, { model: 'fake-model', messages: MESSAGES }, abort.signal);
    await waitFor(async () => fixture.fake.requests.length, (count) => count === 1);
    abort.abort();
    expect(await sent.then(() => 'answered', () => 'aborted')).toBe('aborted');
    fixture.fake.setBehavior({});
    await expectRecovered(customer, 1);
  });
});
