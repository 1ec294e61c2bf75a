// What the upstream-format tests share: a gateway in front of one fake inference server (from
// test/support/upstream-formats), the price it charges, and readers for what a client got.
import OpenAI, { type APIError } from 'openai';
import { createTestApp } from '../support/app';
import { SERVED_MODEL, countWords, type FormatUpstream } from '../support/upstream-formats/core';
import { formatCredits } from './account-state';
import type { GatewayFixture } from './support';

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

/** The error a streamed request ends with, whether create() or the iteration raises it. */
export async function streamError(client: OpenAI, messages: { role: 'user'; content: string }[], model = SERVED_MODEL): Promise<APIError> {
  try {
    const read = await readStream(await client.chat.completions.create({ model, messages, max_tokens: 16, stream: true, stream_options: { include_usage: true } }));
    if (read.error) throw read.error;
  } catch (error) {
    return error as APIError;
  }
  throw new Error('expected the stream to fail, and it succeeded');
}
