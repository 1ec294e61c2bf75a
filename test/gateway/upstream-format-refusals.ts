// The requests one upstream format refuses, in the server's own words: a context overflow
// (an HTTP error, or an error event after the 200) and a model it does not serve. They cost
// nothing, and the upstream's status and message reach the client in OpenAI's error JSON.
import OpenAI from 'openai';
import { expect, test } from 'bun:test';
import { SERVED_MODEL } from '../support/upstream-formats/core';
import { errorOf } from './account-state';
import { MISSING_MODEL, postChat, streamError, type FormatGateway } from './upstream-format-client';
import { expectNothingCharged, expectOpenAIError } from './upstream-format-expect';
import type { FormatCase } from './upstream-format-suite';
import { createCustomer } from './support';

const START_MICROS = 1_000_000n;
const MESSAGES = [{ role: 'user' as const, content: 'one two three four five six seven' }];
// 70 words and 16 more to generate do not fit the fakes' 64-token context.
const LONG_MESSAGES = [{ role: 'user' as const, content: Array.from({ length: 70 }, (_, index) => `w${index}`).join(' ') }];
const lastError = (gateway: FormatGateway) => gateway.upstream.errors.at(-1)!;

export function describeRefusals(gatewayOf: () => FormatGateway, formatCase: FormatCase): void {
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
