// Acceptance: what real inference servers send (their own usage, error and stream formats)
// reaches OpenAI SDK clients in OpenAI's shapes, and is billed by the product's rules. Each
// scripted answer copies a server's wire format; where it comes from is named beside it.
import OpenAI, { type APIError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, spyOn, test } from 'bun:test';
import { accountState, costMicros, errorOf, formatCredits } from './account-state';
import { contentChunk, data, startScriptedUpstream, type ScriptedUpstream } from './scripted-upstream';
import { createPlanCustomer } from '../quotas/support';
import { createCustomer, createGatewayFixture, expectLedgerBalanced, type Customer, type GatewayFixture } from './support';

let scripted: ScriptedUpstream;
let fixture: GatewayFixture;
beforeAll(async () => {
  scripted = startScriptedUpstream();
  fixture = await createGatewayFixture({ upstreams: [{ name: 'scripted', url: scripted.url, models: ['fake-model'] }], plans: { roomy: { requests_per_minute: 100 } } });
});
afterAll(async () => {
  await fixture.close();
  await scripted.stop();
});

const START_MICROS = 1_000_000n;
const MESSAGES = [{ role: 'user' as const, content: 'a b c' }];
/** The gateway's prompt estimate when no usable usage comes: the messages' JSON bytes over four. */
const PROMPT_GUESS = Math.ceil(Buffer.byteLength(JSON.stringify(MESSAGES)) / 4);
const REQUEST = { model: 'fake-model', messages: MESSAGES, max_tokens: 100 };
const STREAM_REQUEST = { ...REQUEST, stream: true as const, stream_options: { include_usage: true } };
const ANSWER_TEXT = 'tok0 tok1 tok2 tok3'; // 19 bytes: estimated as 5 completion tokens
const FINISH_CHUNK = { ...contentChunk(''), choices: [{ index: 0, delta: {}, finish_reason: 'stop', logprobs: null }] };

function chatAnswer(usage?: unknown): Record<string, unknown> {
  return {
    id: 'chatcmpl-scripted',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'fake-model',
    choices: [{ index: 0, message: { role: 'assistant', content: ANSWER_TEXT }, finish_reason: 'stop', logprobs: null }],
    ...(usage === undefined ? {} : { usage }),
  };
}

/** Reads a stream through the SDK: the text, every chunk, and the error that ended it, if one did. */
async function readStream(customer: Customer) {
  const stream = await customer.client.chat.completions.create(STREAM_REQUEST);
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  let text = '';
  let error: unknown = null;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta?.content ?? '';
    }
  } catch (caught) {
    error = caught;
  }
  return { chunks, text, error, usages: chunks.filter((chunk) => chunk.usage).map((chunk) => chunk.usage as unknown as Record<string, unknown>) };
}

function rawPost(customer: Customer, body: unknown): Promise<Response> {
  return fetch(`${fixture.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function expectNothingCharged(customer: Customer, statusCode: number, outcome: string) {
  const state = await accountState(fixture, customer.accountId);
  expect(state.balanceMicros).toBe(START_MICROS);
  expect(state.reservedMicros).toBe(0n);
  expect(state.chargesMicros).toEqual([]);
  expect(state.holds.map((hold) => hold.status)).toEqual(['voided']);
  expect(state.usage).toEqual([expect.objectContaining({ statusCode, outcome, costMicros: 0n })]);
  expect(await expectLedgerBalanced(fixture)).toEqual([]);
}

async function expectCharged(customer: Customer, expected: bigint, record: Record<string, unknown>) {
  const state = await accountState(fixture, customer.accountId);
  expect(state.chargesMicros).toEqual([expected]);
  expect(state.balanceMicros).toBe(START_MICROS - expected);
  expect(state.reservedMicros).toBe(0n);
  expect(state.usage).toEqual([expect.objectContaining({ ...record, costMicros: expected })]);
  expect(await expectLedgerBalanced(fixture)).toEqual([]);
}

describe('usage an upstream reports is validated (one validator for answers and streams)', () => {
  let warn: ReturnType<typeof spyOn>;
  beforeAll(() => {
    warn = spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => warn.mockClear());
  afterAll(() => warn.mockRestore());

  const unusable: [string, string][] = [
    ['negative', '{"prompt_tokens":-1000000,"completion_tokens":5,"total_tokens":-999995}'],
    ['fractional', '{"prompt_tokens":2.5,"completion_tokens":4,"total_tokens":6.5}'],
    ['absurd (1e400 parses as Infinity)', '{"prompt_tokens":3,"completion_tokens":1e400,"total_tokens":1e400}'],
    ['a string', '{"prompt_tokens":"3","completion_tokens":4,"total_tokens":7}'],
  ];
  for (const [kind, usage] of unusable) {
    test(`an answer with ${kind} usage is charged as estimated, says so, and logs a line`, async () => {
      const customer = await createCustomer(fixture, START_MICROS);
      const body = JSON.stringify(chatAnswer()).replace(/}$/, `,"usage":${usage}}`);
      scripted.answer({ body, headers: { 'content-type': 'application/json' } });
      const completion = await customer.client.chat.completions.create(REQUEST);
      const expected = costMicros(PROMPT_GUESS, 5);
      expect(completion.usage as unknown).toEqual({ prompt_tokens: PROMPT_GUESS, completion_tokens: 5, total_tokens: PROMPT_GUESS + 5, cost: formatCredits(expected), estimated: true });
      await expectCharged(customer, expected, { statusCode: 200, outcome: 'ok', usageEstimated: 1, promptTokens: PROMPT_GUESS, completionTokens: 5 });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain('upstream "scripted" reported unusable usage');
    });
  }

  test('a stream whose usage chunk reports negative tokens is charged for the counted chunks, as estimated', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const events = ['tok0 ', 'tok1 ', 'tok2 ', 'tok3'].map((text) => data(contentChunk(text, { usage: null })));
    const usageChunk = { ...contentChunk(''), choices: [], usage: { prompt_tokens: 3, completion_tokens: -50, total_tokens: -47 } };
    scripted.answer({ events: [...events, data({ ...FINISH_CHUNK, usage: null }), data(usageChunk), 'data: [DONE]'] });
    const { text, usages, error } = await readStream(customer);
    expect(error).toBeNull();
    expect(text).toBe(ANSWER_TEXT);
    const expected = costMicros(PROMPT_GUESS, 4);
    expect(usages).toEqual([{ prompt_tokens: PROMPT_GUESS, completion_tokens: 4, total_tokens: PROMPT_GUESS + 4, cost: formatCredits(expected), estimated: true }]);
    await expectCharged(customer, expected, { statusCode: 200, outcome: 'ok', usageEstimated: 1, completionTokens: 4 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('completion_tokens is -50');
  });
});

describe('an error event in a 200 stream ends it as a failure', () => {
  // TGI's streamed context overflow: validation fails after the 200 went out, so the stream is one
  // error event and then [DONE]. Older TGI writes ErrorResponse {error, error_type} (router/src/
  // server.rs, impl From<InferError> for Event); newer chat streams write OpenaiErrorEvent
  // {error: {message, http_status_code: 422}} (router/src/infer/mod.rs, into_openai_event), and
  // chat_completions yields [DONE] after either.
  const overflow = 'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 200 `max_new_tokens`';
  const tgiEvents: [string, unknown][] = [
    ['older TGI', { error: overflow, error_type: 'validation' }],
    ['newer TGI', { error: { message: overflow, http_status_code: 422 } }],
  ];
  for (const [server, event] of tgiEvents) {
    test(`${server}'s context overflow: the client gets an APIError, nothing is charged, the record says 422`, async () => {
      const customer = await createCustomer(fixture, START_MICROS);
      scripted.answer({ events: [data(event), 'data: [DONE]'] });
      const { chunks, error } = await readStream(customer);
      expect(chunks).toEqual([]);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as APIError).message).toBe(overflow);
      expect((error as APIError).type).toBe('invalid_request_error');
      await expectNothingCharged(customer, 422, 'upstream_error_event');
    });
  }

  // vLLM's serving_chat.py catches a failure mid-generation and yields
  // create_streaming_error_response(...) and then [DONE]: {"error": ErrorResponse}, where
  // ErrorResponse is {object: "error", message, type, param, code: int} (entrypoints/openai/protocol.py).
  const vllmError = { error: { object: 'error', message: 'Engine loop has died', type: 'InternalServerError', param: null, code: 500 } };
  const contentThenError = [...['tok0 ', 'tok1 ', 'tok2 '].map((text) => data(contentChunk(text))), data(vllmError), 'data: [DONE]'];

  test('after content: the delivered chunks are paid for (estimated), the client gets an APIError, the record says 500', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    scripted.answer({ events: contentThenError });
    const { text, usages, error } = await readStream(customer);
    expect(text).toBe('tok0 tok1 tok2 ');
    expect(usages).toEqual([]);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as APIError).message).toBe('Engine loop has died');
    const expected = costMicros(PROMPT_GUESS, 3);
    await expectCharged(customer, expected, { statusCode: 500, outcome: 'upstream_error_event', usageEstimated: 1, completionTokens: 3 });
  });

  test('a stream that breaks after only the role chunk delivered nothing, so it costs nothing', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    // vLLM opens every chat stream with a role-only delta: {"role":"assistant","content":""}.
    const roleChunk = { ...contentChunk(''), choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }] };
    scripted.answer({ events: [data(roleChunk)] }); // and the connection ends, without [DONE]
    const { text, error } = await readStream(customer);
    expect(text).toBe('');
    expect(error).toBeInstanceOf(OpenAI.APIError);
    await expectNothingCharged(customer, 502, 'upstream_broken');
  });

  test('on the wire: the error is OpenAI\'s error event and no [DONE] follows it', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    scripted.answer({ events: contentThenError });
    const response = await rawPost(customer, STREAM_REQUEST);
    expect(response.status).toBe(200);
    const events = (await response.text()).split('\n\n').filter((event) => event.startsWith('data:'));
    expect(events).toHaveLength(4);
    expect(JSON.parse(events[3]!.slice(6))).toEqual({ error: { message: 'Engine loop has died', type: 'api_error', param: null, code: 'upstream_error' } });
  });
});

describe("an upstream's rate-limit headers reach the client", () => {
  const limits = { 'retry-after': '2', 'retry-after-ms': '2000', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '2s' };

  test('on a 429: the SDK sees Retry-After, retry-after-ms and x-ratelimit-*, and nothing is charged', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    // TGI answers an overloaded queue with 429 and ErrorResponse (router/src/server.rs: InferError::Overloaded).
    scripted.answer({ status: 429, headers: limits, body: { error: 'Model is overloaded', error_type: 'overloaded' } });
    const error = (await errorOf(customer.client.chat.completions.create(REQUEST))) as APIError;
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    for (const [name, value] of Object.entries(limits)) expect(error.headers?.get(name)).toBe(value);
    expect(error.code).toBe('rate_limit_exceeded');
    await expectNothingCharged(customer, 429, 'upstream_rejected');
  });

  test('on a success, streamed or not', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const headers = { 'x-ratelimit-remaining-tokens': '9000', 'x-ratelimit-limit-tokens': '10000' };
    scripted.answer({ headers, body: chatAnswer({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }) });
    const answer = await customer.client.chat.completions.create(REQUEST).withResponse();
    expect(answer.response.headers.get('x-ratelimit-remaining-tokens')).toBe('9000');
    expect(answer.response.headers.get('x-ratelimit-limit-tokens')).toBe('10000');

    scripted.answer({ headers, events: [data(contentChunk('hi')), 'data: [DONE]'] });
    const streamed = await customer.client.chat.completions.create(STREAM_REQUEST).withResponse();
    for await (const _chunk of streamed.data) void _chunk;
    expect(streamed.response.headers.get('x-ratelimit-remaining-tokens')).toBe('9000');
  });

  test("a plan key's limits are its plan's: the upstream's x-ratelimit-* give way to the plan's, its Retry-After still passes", async () => {
    const customer = await createPlanCustomer(fixture, 'roomy');
    scripted.answer({ headers: { 'x-ratelimit-remaining-tokens': '9000', 'x-ratelimit-remaining-requests': '7' }, body: chatAnswer({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }) });
    const answer = await customer.client.chat.completions.create(REQUEST).withResponse();
    expect(answer.response.headers.get('x-ratelimit-remaining-tokens')).toBeNull();
    expect(answer.response.headers.get('x-ratelimit-remaining-requests')).toBe('99');
    scripted.answer({ status: 429, headers: limits, body: { error: 'Model is overloaded', error_type: 'overloaded' } });
    const error = (await errorOf(customer.client.chat.completions.create(REQUEST))) as APIError;
    expect([error.status, error.headers?.get('retry-after'), error.headers?.get('x-ratelimit-remaining-requests')]).toEqual([429, '2', '98']);
  });
});

describe("an upstream's 5xx reaches the client with its status, message and Retry-After", () => {
  test('vLLM-style 503 with Retry-After (the only upstream): the SDK sees 503, the message and the header; nothing is charged', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    // vLLM answers an overloaded server with 503 and its ErrorResponse (protocol.py ErrorResponse;
    // serving.py create_error_response with HTTPStatus.SERVICE_UNAVAILABLE).
    const body = { error: { message: 'The server is overloaded; try again later.', type: 'ServiceUnavailableError', param: null, code: 503 } };
    scripted.answer({ status: 503, headers: { 'retry-after': '3' }, body });
    const error = (await errorOf(customer.client.chat.completions.create(REQUEST, { maxRetries: 0 }))) as APIError;
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error.status).toBe(503);
    expect(error.message).toContain('The server is overloaded; try again later.');
    expect(error.headers?.get('retry-after')).toBe('3');
    expect(error.code).toBe('upstream_error');
    await expectNothingCharged(customer, 503, 'upstream_rejected');
  });

  test('an error body of 1 MB is read only in part: the client gets a bounded message, nothing is charged', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    scripted.answer({ status: 400, body: { error: { message: 'x'.repeat(1_000_000), type: 'BadRequestError', code: 400 } } });
    const response = await rawPost(customer, REQUEST);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: { message: string; code: string } };
    expect(answer.error.message.length).toBeLessThanOrEqual(2001);
    expect(answer.error.message.startsWith('xxxx')).toBe(true);
    await expectNothingCharged(customer, 400, 'upstream_rejected');
  });
});

describe('the final usage is sent once, with the cost', () => {
  // llama-server puts usage (and timings) on the finish chunk itself (tools/server/server.cpp,
  // to_json_oaicompat_chat_stream, b6097); so did vLLM before stream_options (serving_chat.py:
  // `if final_usage is not None: chunk.usage = final_usage` on the chunk with finish_reason).
  const usage = { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 };
  const finishWithUsage = { ...FINISH_CHUNK, usage, timings: { prompt_n: 7, predicted_n: 3 } };

  test('usage on the finish chunk: one usage chunk, the upstream\'s counts with cost, not marked estimated', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    scripted.answer({ events: [...['tok0 ', 'tok1 ', 'tok2'].map((text) => data(contentChunk(text))), data(finishWithUsage), 'data: [DONE]'] });
    const { chunks, usages, error } = await readStream(customer);
    expect(error).toBeNull();
    const expected = costMicros(7, 3);
    expect(usages).toEqual([{ ...usage, cost: formatCredits(expected) }]);
    expect(chunks.at(-1)?.usage).toBeTruthy(); // the usage chunk comes last
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason === 'stop')?.usage ?? null).toBeNull();
    await expectCharged(customer, expected, { statusCode: 200, outcome: 'ok', usageEstimated: 0, promptTokens: 7, completionTokens: 3 });
  });

  test('usage on every chunk (vLLM continuous_usage_stats): one usage chunk, the last counts', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const events = ['tok0 ', 'tok1 '].map((text, index) => data(contentChunk(text, { usage: { prompt_tokens: 7, completion_tokens: index + 1, total_tokens: 8 + index } })));
    scripted.answer({ events: [...events, data({ ...FINISH_CHUNK, usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 } }), 'data: [DONE]'] });
    const { usages } = await readStream(customer);
    const expected = costMicros(7, 2);
    expect(usages).toEqual([{ prompt_tokens: 7, completion_tokens: 2, total_tokens: 9, cost: formatCredits(expected) }]);
    await expectCharged(customer, expected, { usageEstimated: 0, completionTokens: 2 });
  });
});

describe('an answer without usage', () => {
  test('gets the counted tokens, marked estimated, beside the cost', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    scripted.answer({ body: chatAnswer() });
    const completion = await customer.client.chat.completions.create(REQUEST);
    const expected = costMicros(PROMPT_GUESS, 5);
    expect(completion.usage?.prompt_tokens).toBe(PROMPT_GUESS);
    expect(completion.usage as unknown).toEqual({ prompt_tokens: PROMPT_GUESS, completion_tokens: 5, total_tokens: PROMPT_GUESS + 5, cost: formatCredits(expected), estimated: true });
    await expectCharged(customer, expected, { statusCode: 200, outcome: 'ok', usageEstimated: 1 });
  });
});

describe("upstream error bodies become OpenAI's error JSON, with the upstream's status and message", () => {
  const cases: { server: string; status: number; body: unknown; message: string; type: string; code: string; sdkError: abstract new (...args: never[]) => unknown }[] = [
    // router/src/lib.rs ErrorResponse {error, error_type}; 422 for validation (server.rs).
    { server: 'TGI', status: 422, body: { error: 'Input validation error: `temperature` must be strictly positive', error_type: 'validation' }, message: 'Input validation error: `temperature` must be strictly positive', type: 'invalid_request_error', code: 'invalid_request', sdkError: OpenAI.UnprocessableEntityError },
    // entrypoints/openai/protocol.py ErrorResponse before it was nested under `error`.
    { server: 'older vLLM', status: 400, body: { object: 'error', message: "This model's maximum context length is 2048 tokens.", type: 'BadRequestError', param: null, code: 400 }, message: "This model's maximum context length is 2048 tokens.", type: 'invalid_request_error', code: 'invalid_request', sdkError: OpenAI.BadRequestError },
    // tools/server/utils.hpp format_error_response {code: <int>, message, type}, wrapped in {error}.
    { server: 'llama.cpp', status: 400, body: { error: { code: 400, message: 'the request exceeds the available context size', type: 'exceed_context_size_error', n_prompt_tokens: 5000, n_ctx: 4096 } }, message: 'the request exceeds the available context size', type: 'invalid_request_error', code: 'invalid_request', sdkError: OpenAI.BadRequestError },
    // Ollama answers {"error": "<text>"}.
    { server: 'Ollama', status: 404, body: { error: 'model "llama9" not found, try pulling it first' }, message: 'model "llama9" not found, try pulling it first', type: 'not_found_error', code: 'invalid_request', sdkError: OpenAI.NotFoundError },
    { server: 'a plain-text proxy', status: 404, body: '404 page not found', message: '404 page not found', type: 'not_found_error', code: 'invalid_request', sdkError: OpenAI.NotFoundError },
  ];
  for (const { server, status, body, message, type, code, sdkError } of cases) {
    test(`${server} ${status}`, async () => {
      const customer = await createCustomer(fixture, START_MICROS);
      scripted.answer({ status, body });
      const response = await rawPost(customer, REQUEST);
      expect(response.status).toBe(status);
      expect(await response.json()).toEqual({ error: { message, type, param: null, code } });
      const error = (await errorOf(customer.client.chat.completions.create(REQUEST))) as APIError;
      expect(error).toBeInstanceOf(sdkError);
      expect(error.message).toBe(`${status} ${message}`);
      expect(error.code).toBe(code);
    });
  }

  test('mid-stream, the bare vLLM error object is sent as an error event, so the SDK raises instead of yielding choices=undefined', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const bare = { object: 'error', message: 'Sampling failed', type: 'BadRequestError', param: null, code: 400 };
    scripted.answer({ events: [data(contentChunk('tok0')), data(bare), 'data: [DONE]'] });
    const { chunks, error } = await readStream(customer);
    expect(chunks.every((chunk) => Array.isArray(chunk.choices))).toBe(true);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as APIError).message).toBe('Sampling failed');
    expect((error as APIError).type).toBe('invalid_request_error');
  });
});
