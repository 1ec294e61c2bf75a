// Request parsing (src/gateway/request.ts): what the gateway reads from an OpenAI body to bill
// it, each refusal a 400 naming its field, and the reservation that bounds the request's cost.
import { describe, expect, test } from 'bun:test';
import type { PriceConfig } from '../../src/config';
import { ApiError } from '../../src/errors';
import { COMPLETION_TOKENS_MAX, parseGenerationRequest, reservationMicros, type Endpoint } from '../../src/gateway/request';

const PRICE: PriceConfig = {
  inputPerMillionMicros: 1_000_000n,
  outputPerMillionMicros: 2_000_000n,
  imageMicros: 0n,
  audioSecondMicros: 0n,
  videoSecondMicros: 0n,
  maxOutputTokens: 256,
};
const chat = (extra: Record<string, unknown> = {}) => ({ model: 'm', messages: [{ role: 'user', content: 'hello' }], ...extra });

function refusal(endpoint: Endpoint, body: unknown): { status: number; code: string; param: string | null } {
  try {
    parseGenerationRequest(endpoint, body, 100, PRICE);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { status: error.status, code: error.code, param: error.param };
  }
  throw new Error('the body was accepted');
}

describe('parseGenerationRequest', () => {
  test('reads model, stream and the token bounds; the body passes through as sent', () => {
    const body = chat({ temperature: 0.2, stream: true, stream_options: { include_usage: true } });
    const parsed = parseGenerationRequest('chat.completions', body, 120, PRICE);
    expect(parsed).toEqual({
      endpoint: 'chat.completions',
      body,
      model: 'm',
      stream: true,
      clientWantsUsage: true,
      promptTokensMax: 120,
      promptTokensGuess: Math.ceil(Buffer.byteLength(JSON.stringify(body.messages)) / 4),
      completionTokensMax: 256,
      completionTokensAsked: null,
      maxTokensAdded: null,
    });
    expect(parsed.body).toBe(body);
  });

  test('streaming is off and usage unasked unless the body says so', () => {
    const parsed = parseGenerationRequest('chat.completions', chat({ stream_options: null }), 50, PRICE);
    expect([parsed.stream, parsed.clientWantsUsage]).toEqual([false, false]);
    expect(parseGenerationRequest('chat.completions', chat({ stream: true, stream_options: { include_usage: 'yes' } }), 50, PRICE).clientWantsUsage).toBe(false);
  });

  test('the prompt is guessed from messages, prompt or input, by endpoint', () => {
    const bytes = (value: unknown) => Math.ceil(Buffer.byteLength(JSON.stringify(value)) / 4);
    expect(parseGenerationRequest('completions', { model: 'm', prompt: 'a longer prompt here' }, 9, PRICE).promptTokensGuess).toBe(bytes('a longer prompt here'));
    expect(parseGenerationRequest('embeddings', { model: 'm', input: ['x', 'y'] }, 9, PRICE).promptTokensGuess).toBe(bytes(['x', 'y']));
  });

  test('max_completion_tokens wins over max_tokens, which wins over the price default; n multiplies', () => {
    const tokens = (extra: Record<string, unknown>) => parseGenerationRequest('chat.completions', chat(extra), 10, PRICE).completionTokensMax;
    expect(tokens({ max_tokens: 40 })).toBe(40);
    expect(tokens({ max_tokens: 40, max_completion_tokens: 30 })).toBe(30);
    expect(tokens({ max_tokens: null })).toBe(256);
    expect(tokens({ max_tokens: 40, n: 3 })).toBe(120);
    expect(tokens({ max_tokens: COMPLETION_TOKENS_MAX, n: 128 })).toBe(COMPLETION_TOKENS_MAX * 128);
  });

  test('embeddings reserve no completion tokens', () => {
    expect(parseGenerationRequest('embeddings', { model: 'm', input: 'x', max_tokens: 99 }, 10, PRICE).completionTokensMax).toBe(0);
  });

  const refused: [string, Endpoint, unknown, string | null][] = [
    ['an array body', 'chat.completions', [chat()], null],
    ['a null body', 'chat.completions', null, null],
    ['no model', 'chat.completions', { messages: [] }, 'model'],
    ['an empty model', 'chat.completions', chat({ model: '' }), 'model'],
    ['a model that is not a string', 'chat.completions', chat({ model: 7 }), 'model'],
    ['a string stream flag', 'chat.completions', chat({ stream: 'true' }), 'stream'],
    ['a streamed embedding', 'embeddings', { model: 'm', input: 'x', stream: true }, 'stream'],
    ['stream_options as an array', 'chat.completions', chat({ stream_options: [] }), 'stream_options'],
    ['no messages', 'chat.completions', { model: 'm' }, 'messages'],
    ['no prompt', 'completions', { model: 'm' }, 'prompt'],
    ['no input', 'embeddings', { model: 'm' }, 'input'],
    ['max_tokens 0', 'chat.completions', chat({ max_tokens: 0 }), 'max_tokens'],
    ['max_tokens 1.5', 'chat.completions', chat({ max_tokens: 1.5 }), 'max_tokens'],
    ['max_tokens beyond int32', 'chat.completions', chat({ max_tokens: COMPLETION_TOKENS_MAX + 1 }), 'max_tokens'],
    ['max_completion_tokens as text', 'chat.completions', chat({ max_completion_tokens: '5' }), 'max_completion_tokens'],
    ['n 0', 'chat.completions', chat({ n: 0 }), 'n'],
    ['n 129', 'chat.completions', chat({ n: 129 }), 'n'],
    ['n 2.5', 'chat.completions', chat({ n: 2.5 }), 'n'],
  ];
  for (const [label, endpoint, body, param] of refused) {
    test(`${label} is a 400 naming ${param ?? 'no field'}`, () => {
      expect(refusal(endpoint, body)).toEqual({ status: 400, code: expect.any(String), param });
    });
  }
});

describe('reservationMicros', () => {
  test('prices the upper bounds: every body byte a prompt token, every allowed completion token', () => {
    const parsed = parseGenerationRequest('chat.completions', chat({ max_tokens: 100 }), 1_000, PRICE);
    // At 1 and 2 micro-credits a token: 1000 prompt tokens + 100 completion tokens × 2.
    expect(reservationMicros(parsed, PRICE)).toBe(1_200n);
    // A millionth of a micro-credit a token still reserves one whole micro-credit.
    const cheap = { ...PRICE, inputPerMillionMicros: 1n, outputPerMillionMicros: 1n };
    expect(reservationMicros(parseGenerationRequest('chat.completions', chat({ max_tokens: 1 }), 1, cheap), cheap)).toBe(1n);
  });
});
