// The fake upstream checked with the official openai SDK, so the gateway tests can trust that
// what it sends is what a real OpenAI-compatible server sends. Retries are off: a failure mode
// must surface on the first try.
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream';

const fake: FakeUpstream = startFakeUpstream();
const client = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'x', maxRetries: 0 });
// 4 + 5 words: the deterministic prompt_tokens of every chat request below.
const messages: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are a fake.' },
  { role: 'user', content: 'Say  hello to\nthe tests' },
];

beforeEach(() => fake.reset());
afterAll(() => fake.stop());

async function collectChatStream(options: Partial<OpenAI.ChatCompletionCreateParamsStreaming> = {}): Promise<OpenAI.ChatCompletionChunk[]> {
  const stream = await client.chat.completions.create({ model: 'fake-model', messages, stream: true, ...options });
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** The error a request fails with. The SDK's APIPromise is not a native Promise, which `expect().rejects` needs. */
async function errorOf(request: PromiseLike<unknown>): Promise<unknown> {
  try {
    await request;
  } catch (error) {
    return error;
  }
  throw new Error('the request succeeded');
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await Bun.sleep(10);
}

describe('chat completions', () => {
  test('a non-stream answer counts prompt words and chunks, and the request is recorded', async () => {
    const completion = await client.chat.completions.create({ model: 'fake-model', messages });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'tok0 tok1 tok2 tok3' });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ path: '/v1/chat/completions', finished: true, abortedAtMs: null });
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer x');
    expect(fake.requests[0]?.body.messages).toEqual(messages);
  });

  test('max_tokens caps the completion and the finish reason becomes length', async () => {
    fake.setBehavior({ chunks: 10 });
    const completion = await client.chat.completions.create({ model: 'fake-model', messages, max_tokens: 3 });
    expect(completion.choices[0]?.message.content).toBe('tok0 tok1 tok2');
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(3);
  });

  test('omitUsage leaves usage out of the body', async () => {
    fake.setBehavior({ omitUsage: true });
    const completion = await client.chat.completions.create({ model: 'fake-model', messages });
    expect(completion.usage).toBeUndefined();
  });

  test('a stream with include_usage ends with the usage chunk, after the stop chunk', async () => {
    const chunks = await collectChatStream({ stream_options: { include_usage: true } });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('tok0 tok1 tok2 tok3');
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(fake.requests[0]).toMatchObject({ finished: true, abortedAtMs: null });
  });

  test('a stream without include_usage, or with omitUsage, has no usage chunk', async () => {
    const plain = await collectChatStream();
    expect(plain).toHaveLength(5);
    expect(plain.some((chunk) => chunk.usage)).toBe(false);
    fake.setBehavior({ omitUsage: true });
    const omitted = await collectChatStream({ stream_options: { include_usage: true } });
    expect(omitted.some((chunk) => chunk.usage)).toBe(false);
    expect(omitted.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });
});

describe('completions, embeddings and models', () => {
  test('text completions, plain and streamed', async () => {
    const completion = await client.completions.create({ model: 'fake-model', prompt: 'one two three' });
    expect(completion.object).toBe('text_completion');
    expect(completion.choices[0]?.text).toBe('tok0 tok1 tok2 tok3');
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });

    const stream = await client.completions.create({ model: 'fake-model', prompt: 'one two', stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Completion[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.text ?? '').join('')).toBe('tok0 tok1 tok2 tok3');
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 });
  });

  test('embeddings give one vector per input and count the input words', async () => {
    const many = await client.embeddings.create({ model: 'fake-embed', input: ['a b', 'c d e'] });
    expect(many.data.map((item) => item.index)).toEqual([0, 1]);
    expect(many.data.every((item) => item.embedding.length === 4)).toBe(true);
    expect(many.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
    const one = await client.embeddings.create({ model: 'fake-embed', input: 'a b c', encoding_format: 'float' });
    expect(one.data).toHaveLength(1);
    expect(one.data[0]?.embedding).toEqual([1, 0.03, 0.5, -0.5]);
  });

  test('models lists fake-model and every model given a behaviour, which applies to that model only', async () => {
    fake.behaviorFor('broken-model', { mode: 'error500' });
    const models = await client.models.list();
    expect(models.data.map((model) => model.id).sort()).toEqual(['broken-model', 'fake-model']);
    expect(await errorOf(client.chat.completions.create({ model: 'broken-model', messages }))).toMatchObject({ status: 500 });
    expect((await client.chat.completions.create({ model: 'fake-model', messages })).choices).toHaveLength(1);
  });
});

describe('failure modes', () => {
  test('error500 and error400 surface as APIError with OpenAI error JSON', async () => {
    fake.setBehavior({ mode: 'error500' });
    const serverError = await errorOf(client.chat.completions.create({ model: 'fake-model', messages }));
    expect(serverError).toBeInstanceOf(OpenAI.APIError);
    expect(serverError).toMatchObject({ status: 500, type: 'server_error' });
    fake.setBehavior({ mode: 'error400' });
    expect(await errorOf(client.completions.create({ model: 'fake-model', prompt: 'x' }))).toBeInstanceOf(OpenAI.BadRequestError);
  });

  test('refuse breaks the connection before any response', async () => {
    fake.setBehavior({ mode: 'refuse' });
    expect(await errorOf(client.chat.completions.create({ model: 'fake-model', messages }))).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(fake.requests[0]?.finished).toBe(false);
  });

  test('dieMidStream sends some chunks, then the stream breaks without [DONE]', async () => {
    fake.setBehavior({ mode: 'dieMidStream', chunks: 6, dieAfterChunks: 2 });
    const received: string[] = [];
    const reading = (async () => {
      const stream = await client.chat.completions.create({ model: 'fake-model', messages, stream: true });
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })();
    expect(await errorOf(reading)).toBeInstanceOf(Error);
    expect(received).toEqual(['tok0 ', 'tok1 ']);
    expect(fake.requests[0]?.finished).toBe(false);
  });

  test('dieMidStream without stream cuts the JSON body short', async () => {
    fake.setBehavior({ mode: 'dieMidStream' });
    expect(await errorOf(client.chat.completions.create({ model: 'fake-model', messages }))).toBeInstanceOf(Error);
    expect(fake.requests[0]?.finished).toBe(false);
  });

  test('a client that aborts a stream is recorded in abortedAtMs within a second', async () => {
    fake.setBehavior({ chunks: 100, chunkDelayMs: 50 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: 'fake-model', messages, stream: true }, { signal: controller.signal });
    let count = 0;
    // The SDK ends the iteration quietly when its own signal aborts it.
    for await (const _chunk of stream) if (++count === 2) controller.abort();
    expect(count).toBe(2);
    const abortedAtMs = Date.now();
    await waitFor(() => fake.requests[0]?.abortedAtMs != null, 1000);
    expect(fake.requests[0]?.abortedAtMs).toBeWithin(abortedAtMs - 100, abortedAtMs + 1000);
    expect(fake.requests[0]?.finished).toBe(false);
  });

  test('a client that gives up during delayMs is recorded as aborted too', async () => {
    fake.setBehavior({ delayMs: 5_000 });
    const request = client.chat.completions.create({ model: 'fake-model', messages }, { timeout: 200 });
    expect(await errorOf(request)).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await waitFor(() => fake.requests[0]?.abortedAtMs != null, 1000);
    expect(fake.requests[0]?.abortedAtMs).not.toBeNull();
  });

  test('stop() ends a stream that sits in a 300 s gap at once', async () => {
    const other = startFakeUpstream();
    other.setBehavior({ chunks: 2, gapMs: 300_000 });
    const otherClient = new OpenAI({ baseURL: `${other.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const stream = await otherClient.chat.completions.create({ model: 'fake-model', messages, stream: true });
    const texts: string[] = [];
    const reading = (async () => {
      for await (const chunk of stream) texts.push(chunk.choices[0]?.delta.content ?? '');
    })();
    await waitFor(() => texts.length === 1, 1000);
    const stoppedAtMs = Date.now();
    await other.stop();
    expect(await errorOf(reading)).toBeInstanceOf(Error);
    expect(Date.now() - stoppedAtMs).toBeLessThan(1000);
    expect(texts).toEqual(['tok0 ']);
  });

  test('gapMs pauses the stream after half of the chunks', async () => {
    fake.setBehavior({ chunks: 4, gapMs: 1500 });
    const stream = await client.chat.completions.create({ model: 'fake-model', messages, stream: true });
    const arrivals: Array<{ text: string; atMs: number }> = [];
    for await (const chunk of stream) arrivals.push({ text: chunk.choices[0]?.delta.content ?? '', atMs: Date.now() });
    const pauses = arrivals.slice(1).map((arrival, index) => arrival.atMs - arrivals[index]!.atMs);
    expect(arrivals[1]?.text).toBe('tok1 ');
    expect(pauses[1]).toBeGreaterThanOrEqual(1400);
    expect(pauses.filter((_, index) => index !== 1).every((pauseMs) => pauseMs < 300)).toBe(true);
    expect(fake.requests[0]?.finished).toBe(true);
  });
});
