// The failures of one upstream format inside a stream, in the server's own words: an error
// before any content (an event after the 200, or an HTTP error), or after some content.
// A failed call costs nothing; content that reached the client is paid for, marked estimated.
import OpenAI from 'openai';
import { expect, test } from 'bun:test';
import { SERVED_MODEL } from '../support/upstream-formats/core';
import { accountState } from './account-state';
import { priceMicros, promptGuessOf, readStream, streamError, type FormatGateway } from './upstream-format-client';
import { expectChargedOnce, expectNothingCharged } from './upstream-format-expect';
import type { FormatCase } from './upstream-format-suite';
import { createCustomer } from './support';

const START_MICROS = 1_000_000n;
const MESSAGES = [{ role: 'user' as const, content: 'one two three four five six seven' }];
const lastError = (gateway: FormatGateway) => gateway.upstream.errors.at(-1)!;

export function describeStreamFailures(gatewayOf: () => FormatGateway, formatCase: FormatCase): void {
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
}
