// Acceptance (issue 14, upstream faults), beyond what test/gateway/faults.test.ts covers (a
// failing first upstream, a 500, a body cut short, a stream that dies after some chunks): a real
// refused connection, a real TCP reset mid-stream, garbage instead of SSE, one 10 MB chunk, a
// stream that never ends (cut at [server] stream_max_seconds) and an upstream that accepts and
// never answers. Each gives the client a clean error or end, and a charge for what was delivered.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { accountState, costMicros } from '../gateway/account-state';
import { createCustomer, createGatewayFixture, expectLedgerBalanced, type Customer, type GatewayFixture } from '../gateway/support';
import { HUGE_CHUNK_BYTES, startHostileUpstream, type HostileMode, type HostileUpstream } from '../support/hostile-upstream';
import { freePort } from '../support/redis-server';
import { microsOf } from './load';
import { reportFaults } from './report';

const STREAM_MAX_SECONDS = 2;
const START_MICROS = 10_000_000n;

let hostile: HostileUpstream;
let fixture: GatewayFixture;
let refusedUrl: string;

beforeAll(async () => {
  hostile = startHostileUpstream();
  // A port that was free a moment ago and has nothing listening on it now.
  refusedUrl = `http://127.0.0.1:${freePort()}`;
  fixture = await createGatewayFixture({
    upstreams: [
      { name: 'hostile', url: hostile.url, models: ['fake-model'] },
      { name: 'raw', url: hostile.rawUrl, models: ['raw-model'] },
      { name: 'nobody', url: refusedUrl, models: ['refused-model'] },
    ],
    server: { stream_max_seconds: STREAM_MAX_SECONDS },
  });
});
afterAll(async () => {
  await fixture.close();
  await hostile.stop();
  reportFaults('upstream', { faults_survived: survived });
});

let survived = 0;

const modelOf = (mode: HostileMode | 'refused') => (mode === 'refused' ? 'refused-model' : mode === 'reset' || mode === 'silent' ? 'raw-model' : 'fake-model');
const requestBody = (mode: HostileMode | 'refused', stream: boolean) => ({
  model: modelOf(mode),
  messages: [{ role: 'user', content: 'a b c' }],
  max_tokens: 16,
  stream,
  ...(stream ? { stream_options: { include_usage: true } } : {}),
});

interface RawAnswer {
  status: number;
  text: string;
  events: string[];
  elapsedMs: number;
}

/** One request over fetch, read to its end: the raw SSE shows exactly what the client was sent. */
async function send(customer: Customer, mode: HostileMode | 'refused', stream: boolean): Promise<RawAnswer> {
  if (mode !== 'refused') hostile.setMode(mode);
  const startedAt = Date.now();
  const response = await fetch(`${fixture.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(requestBody(mode, stream)),
  });
  const text = await response.text();
  const events = text.split('\n\n').filter((event) => event.startsWith('data: ')).map((event) => event.slice('data: '.length));
  return { status: response.status, text, events, elapsedMs: Date.now() - startedAt };
}

/** The single usage record of the account, its wallet, and the audit: the charge is what was delivered. */
async function expectCharged(customer: Customer, expected: { completionTokens: number; estimated: boolean } | null): Promise<bigint> {
  const state = await accountState(fixture, customer.accountId);
  expect(state.usage).toHaveLength(1);
  expect(state.reservedMicros).toBe(0n);
  expect(await expectLedgerBalanced(fixture)).toEqual([]);
  const record = state.usage[0]!;
  if (expected === null) {
    expect(state.chargesMicros).toEqual([]);
    expect(state.balanceMicros).toBe(START_MICROS);
    return 0n;
  }
  expect({ completionTokens: record.completionTokens, estimated: record.usageEstimated === 1 }).toEqual(expected);
  expect(state.chargesMicros).toEqual([costMicros(record.promptTokens, record.completionTokens)]);
  expect(state.balanceMicros).toBe(START_MICROS - state.chargesMicros[0]!);
  survived += 1;
  return state.chargesMicros[0]!;
}

const openAiError = (json: string) => (JSON.parse(json) as { error: { message: string; type: string; code: unknown } }).error;

describe('upstream faults', () => {
  test('connection refused: 503 upstream_unavailable, nothing charged', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const answer = await send(customer, 'refused', false);
    expect(answer.status).toBe(503);
    expect(openAiError(answer.text)).toMatchObject({ code: 'upstream_unavailable', type: 'api_error' });
    await expectCharged(customer, null);
    survived += 1;
  });

  test('a TCP reset after three chunks: the three reach the client, then an error event, no [DONE]; charged for three', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const answer = await send(customer, 'reset', true);
    expect(answer.status).toBe(200);
    expect(answer.events.slice(0, 3).map((event) => JSON.parse(event).choices[0].delta.content)).toEqual(['one', 'two', 'three']);
    expect(openAiError(answer.events.at(-1)!)).toMatchObject({ type: 'api_error' });
    expect(answer.text).not.toContain('[DONE]');
    await expectCharged(customer, { completionTokens: 3, estimated: true });
  });

  // The one garbage event that holds a content string reached the client: it is paid as one token,
  // the way the gateway counts a stream without usage (by what looks like generated output).
  test('garbage instead of SSE: the stream ends with an error event; the one event that looked like content is charged as one token', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const answer = await send(customer, 'garbage', true);
    expect(answer.status).toBe(200);
    expect(answer.elapsedMs).toBeLessThan(STREAM_MAX_SECONDS * 1000);
    expect(openAiError(answer.events.at(-1)!)).toMatchObject({ type: 'api_error' });
    expect(answer.text).not.toContain('[DONE]');
    expect(answer.text).toContain('not json at all');
    await expectCharged(customer, { completionTokens: 1, estimated: true });
  });

  test('one 10 MB chunk: relayed whole, then usage and [DONE]; charged by the usage reported', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const answer = await send(customer, 'huge', true);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.events[0]!).choices[0].delta.content).toHaveLength(HUGE_CHUNK_BYTES);
    expect(answer.events.at(-1)).toBe('[DONE]');
    const usage = JSON.parse(answer.events.at(-2)!).usage as { completion_tokens: number; cost: string };
    const charged = await expectCharged(customer, { completionTokens: 1, estimated: false });
    expect(microsOf(usage.cost)).toBe(charged);
  });

  test(`a stream that never ends is cut at stream_max_seconds (${STREAM_MAX_SECONDS} s): an error event, charged for the chunks the client got`, async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const answer = await send(customer, 'endless', true);
    expect(answer.status).toBe(200);
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(STREAM_MAX_SECONDS * 1000 - 100);
    expect(answer.elapsedMs).toBeLessThan(STREAM_MAX_SECONDS * 1000 + 3000);
    const delivered = answer.events.filter((event) => event.includes('"more"')).length;
    expect(delivered).toBeGreaterThan(10);
    expect(openAiError(answer.events.at(-1)!)).toMatchObject({ type: 'api_error' });
    await expectCharged(customer, { completionTokens: delivered, estimated: true });
  });

  for (const stream of [false, true]) {
    test(`an upstream that accepts and never answers (${stream ? 'stream' : 'JSON'}): 504 upstream_timeout at stream_max_seconds, nothing charged`, async () => {
      const customer = await createCustomer(fixture, START_MICROS);
      const answer = await send(customer, 'silent', stream);
      expect(answer.status).toBe(504);
      expect(answer.elapsedMs).toBeGreaterThanOrEqual(STREAM_MAX_SECONDS * 1000 - 100);
      expect(openAiError(answer.text)).toMatchObject({ code: 'upstream_timeout', type: 'api_error' });
      const state = await accountState(fixture, customer.accountId);
      expect(state.usage.map((record) => [record.statusCode, record.outcome])).toEqual([[504, 'upstream_timeout']]);
      await expectCharged(customer, null);
      survived += 1;
    });
  }
});
