// The failure paths of one upstream format, in the server's own words: an error event in a
// stream (before any content, or after some), a context overflow, a model it does not serve.
// A failed call costs nothing; content that reached the client is paid for; the upstream's
// status and message reach the client in OpenAI's error shape.
import OpenAI, { type APIError } from 'openai';
import { expect, test } from 'bun:test';
import { SERVED_MODEL } from '../support/upstream-formats/core';
import { accountState, errorOf } from './account-state';
import {
  MISSING_MODEL, expectChargedOnce, expectNothingCharged, expectOpenAIError, postChat, priceMicros, promptGuessOf, readStream, type FormatGateway,
} from './upstream-format-client';
import type { FormatCase } from './upstream-format-suite';
import { createCustomer } from './support';

const START_MICROS = 1_000_000n;
const MESSAGES = [{ role: 'user' as const, content: 'one two three four five six seven' }];
// 70 words and 16 more to generate do not fit the fakes' 64-token context.
const LONG_MESSAGES = [{ role: 'user' as const, content: Array.from({ length: 70 }, (_, index) => `w${index}`).join(' ') }];
const lastError = (gateway: FormatGateway) => gateway.upstream.errors.at(-1)!;

export function describeFailures(gatewayOf: () => FormatGateway, formatCase: FormatCase): void {
  if (formatCase.midStreamError?.beforeContent === 'event') {
    test('an error event before any content: the SDK raises the upstream error, nothing is charged', async () => {
      const gateway = gatewayOf();
      gateway.upstream.setScenario({ errorAfterChunks: 0 });
      const customer = await createCustomer(gateway.fixture, START_MICROS);
      const read = await readStream(await customer.client.chat.completions.create({ model: SERVED_MODEL, messages: MESSAGES, max_tokens: 32, stream: true, stream_options: { include_usage: true } }));
      expect(read.text).toBe('');
      expect(read.error).toBeInstanceOf(OpenAI.APIError);
      expect((read.error as Error).message).toContain(lastError(gateway).message);
      await expectNothingCharged(gateway, customer.accountId, START_MICROS);
    });
  }
  if (formatCase.midStreamError?.beforeContent === 'status') {
    test('a failure before the first token, answered as an HTTP error: the SDK raises, nothing is charged', async () => {
      const gateway = gatewayOf();
      gateway.upstream.setScenario({ errorAfterChunks: 0 });
      const customer = await createCustomer(gateway.fixture, START_MICROS);
      expect(await streamError(customer.client, MESSAGES)).toBeInstanceOf(OpenAI.APIError);
      await expectNothingCharged(gateway, customer.accountId, START_MICROS);
    });
  }

  if (formatCase.midStreamError) {
    test('an error event after 3 chunks: the client keeps them, the SDK raises, the 3 chunks are paid (estimated)', async () => {
      const gateway = gatewayOf();
      gateway.upstream.setScenario({ errorAfterChunks: 3 });
      const customer = await createCustomer(gateway.fixture, START_MICROS);
      const read = await readStream(await customer.client.chat.completions.create({ model: SERVED_MODEL, messages: MESSAGES, max_tokens: 32, stream: true, stream_options: { include_usage: true } }));
      expect(read.text).toBe('tok0 tok1 tok2 ');
      expect(read.error).toBeInstanceOf(OpenAI.APIError);
      const expected = priceMicros(promptGuessOf(MESSAGES), 3);
      await expectChargedOnce(gateway, customer.accountId, START_MICROS, expected);
      const [usage] = (await accountState(gateway.fixture, customer.accountId)).usage;
      expect(usage).toMatchObject({ completionTokens: 3, usageEstimated: 1, costMicros: expected });
      expect(usage?.outcome).not.toBe('ok');
    });
  }

  if (formatCase.streamOverflow !== null) {
    test('context overflow, not streamed: the upstream status and message in OpenAI error JSON, nothing charged', async () => {
      const gateway = gatewayOf();
      const customer = await createCustomer(gateway.fixture, START_MICROS);
      const response = await postChat(gateway, customer.key, { model: SERVED_MODEL, messages: LONG_MESSAGES, max_tokens: 16 });
      await expectOpenAIError(response, lastError(gateway).status, lastError(gateway).message);
      await expectNothingCharged(gateway, customer.accountId, START_MICROS);
    });

    test(`context overflow, streamed (${formatCase.streamOverflow === 'status' ? 'an HTTP error' : 'an error event after the 200'}): the SDK raises the upstream message, nothing charged`, async () => {
      const gateway = gatewayOf();
      const customer = await createCustomer(gateway.fixture, START_MICROS);
      const error = await streamError(customer.client, LONG_MESSAGES);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error.message).toContain(lastError(gateway).message);
      if (formatCase.streamOverflow === 'status') expect(error.status).toBe(lastError(gateway).status);
      await expectNothingCharged(gateway, customer.accountId, START_MICROS);
    });
  }

  if (formatCase.checksModel) {
    for (const stream of [false, true]) {
      test(`unknown model${stream ? ', streamed' : ''}: the upstream 404 and its message in OpenAI error JSON, nothing charged`, async () => {
        const gateway = gatewayOf();
        const customer = await createCustomer(gateway.fixture, START_MICROS);
        const sdkError = stream ? await streamError(customer.client, MESSAGES, MISSING_MODEL) : await errorOf(customer.client.chat.completions.create({ model: MISSING_MODEL, messages: MESSAGES, max_tokens: 16 }));
        expect(sdkError).toBeInstanceOf(OpenAI.NotFoundError);
        expect(sdkError.message).toContain(lastError(gateway).message);
        const response = await postChat(gateway, customer.key, { model: MISSING_MODEL, messages: MESSAGES, max_tokens: 16, stream });
        await expectOpenAIError(response, 404, lastError(gateway).message);
        expect(gateway.upstream.errors.map((sent) => sent.status)).toEqual([404, 404]);
        await expectNothingCharged(gateway, customer.accountId, START_MICROS, 2);
      });
    }
  }
}

/** The error a streamed request ends with, whether create() or the iteration raises it. */
async function streamError(client: OpenAI, messages: typeof MESSAGES, model = SERVED_MODEL): Promise<APIError> {
  try {
    const read = await readStream(await client.chat.completions.create({ model, messages, max_tokens: 16, stream: true, stream_options: { include_usage: true } }));
    if (read.error) throw read.error;
  } catch (error) {
    return error as APIError;
  }
  throw new Error('expected the stream to fail, and it succeeded');
}
