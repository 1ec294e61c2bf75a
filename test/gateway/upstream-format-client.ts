// What the upstream-format tests share: a gateway in front of one fake inference server (from
// test/support/upstream-formats), the price it charges, and readers for what a client got.
import { expect } from 'bun:test';
import { createTestApp } from '../support/app';
import { SERVED_MODEL, countWords, type FormatUpstream } from '../support/upstream-formats/core';
import { accountState, formatCredits, waitFor, type AccountState } from './account-state';
import { expectLedgerBalanced, type GatewayFixture } from './support';

/** Configured in inferport for the fake's upstream, but not served by it. */
export const MISSING_MODEL = 'missing-model';

export interface FormatGateway {
  /** Enough of a GatewayFixture for createCustomer and accountState (no fake-upstream.ts fake). */
  fixture: GatewayFixture;
  upstream: FormatUpstream;
  close: () => Promise<void>;
}

// Input and output priced apart, so a swapped count shows in the charge.
const INPUT_PER_MILLION_MICROS = 750_000;
const OUTPUT_PER_MILLION_MICROS = 2_500_000;

export async function createFormatGateway(upstream: FormatUpstream): Promise<FormatGateway> {
  const testApp = await createTestApp({
    upstreams: [{ name: 'format-upstream', url: upstream.url, models: [SERVED_MODEL, MISSING_MODEL] }],
    prices: { default: { input_per_million: '0.75', output_per_million: '2.5' } },
    wallet: { trial_credits: 0 },
  });
  const baseUrl = testApp.listen();
  const fixture = { testApp, baseUrl, fake: undefined, fakes: [] } as unknown as GatewayFixture;
  return { fixture, upstream, close: async () => { await testApp.close(); await upstream.stop(); } };
}

/** The README's rule: the exact sum of both parts, rounded up once to a micro-credit. */
export function priceMicros(promptTokens: number, completionTokens: number): bigint {
  const scaled = promptTokens * INPUT_PER_MILLION_MICROS + completionTokens * OUTPUT_PER_MILLION_MICROS;
  return BigInt(Math.ceil(scaled / 1_000_000));
}

export const promptTokensOf = (messages: { content: string }[]) => countWords(messages.map((message) => message.content));
/** The gateway's prompt estimate when the upstream reports no usage: JSON bytes over four. */
export const promptGuessOf = (messages: object[]) => Math.ceil(Buffer.byteLength(JSON.stringify(messages)) / 4);
export const costString = formatCredits;

export interface StreamRead {
  chunks: any[];
  text: string;
  usageChunks: any[];
  error: unknown;
}

/** Reads an SDK stream to its end or its error, keeping what arrived before the error. */
export async function readStream(stream: AsyncIterable<any>): Promise<StreamRead> {
  const chunks: any[] = [];
  let error: unknown = null;
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (caught) {
    error = caught;
  }
  const text = chunks.map((chunk) => chunk.choices?.[0]?.delta?.content ?? '').join('');
  return { chunks, text, usageChunks: chunks.filter((chunk) => chunk.usage !== null && chunk.usage !== undefined), error };
}

/** POSTs a chat completion the way any HTTP client would, to read the error body as sent. */
export async function postChat(gateway: FormatGateway, key: string, body: object): Promise<Response> {
  return fetch(`${gateway.fixture.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** OpenAI's error JSON: exactly message, type, param, code; the message is the upstream's. */
export async function expectOpenAIError(response: Response, status: number, message: string): Promise<void> {
  const text = await response.text();
  let body: { error?: unknown } = {};
  try {
    body = JSON.parse(text);
  } catch {
    // left empty: the comparison below shows the text
  }
  const error = (typeof body.error === 'object' && body.error !== null ? body.error : {}) as Record<string, unknown>;
  const kind = (value: unknown) => (value === null ? 'null' : typeof value);
  const nullOrString = expect.stringMatching(/^(null|string)$/);
  // One comparison of the whole shape, so a failure shows everything that differs (and the body).
  expect({ status: response.status, keys: Object.keys(body), errorKeys: Object.keys(error).sort(), message: error.message, type: kind(error.type), param: kind(error.param), code: kind(error.code), body: text })
    .toEqual({ status, keys: ['error'], errorKeys: ['code', 'message', 'param', 'type'], message, type: 'string', param: nullOrString, code: nullOrString, body: expect.any(String) });
}

/** The account once every hold is settled: a stream that ends in an error may be settled after
 * the client saw the error (only a clean end waits for the charge to commit). */
function settledState(gateway: FormatGateway, accountId: string, requests: number): Promise<AccountState> {
  const settled = (state: AccountState) =>
    state.usage.length >= requests && state.holds.length >= requests && state.holds.every((hold) => hold.status !== 'pending');
  return waitFor(() => accountState(gateway.fixture, accountId), settled);
}

/** Nothing was charged for any of `requests`: the wallet is whole, each hold voided, no charge entry. */
export async function expectNothingCharged(gateway: FormatGateway, accountId: string, startMicros: bigint, requests = 1): Promise<void> {
  const state = await settledState(gateway, accountId, requests);
  expect(state.chargesMicros).toEqual([]);
  expect(state.balanceMicros).toBe(startMicros);
  expect(state.reservedMicros).toBe(0n);
  expect(state.holds.map((hold) => hold.status)).toEqual(Array(requests).fill('voided'));
  expect(state.usage.map((row) => row.costMicros)).toEqual(Array(requests).fill(0n));
  expect(await expectLedgerBalanced(gateway.fixture)).toEqual([]);
}

/** Exactly one charge of `micros`, the hold posted for it, nothing left reserved. */
export async function expectChargedOnce(gateway: FormatGateway, accountId: string, startMicros: bigint, micros: bigint): Promise<void> {
  const state = await settledState(gateway, accountId, 1);
  expect(state.chargesMicros).toEqual([micros]);
  expect(state.balanceMicros).toBe(startMicros - micros);
  expect(state.reservedMicros).toBe(0n);
  expect(state.holds.map((hold) => [hold.status, hold.postedMicros])).toEqual([['posted', micros]]);
  expect(await expectLedgerBalanced(gateway.fixture)).toEqual([]);
}
