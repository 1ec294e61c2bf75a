// The happy paths of one upstream format: whatever the framing (`data:` without a space, CRLF,
// keep-alive comments, events split across reads, usage on the finish chunk or on its own),
// the client gets every token and one usage chunk, and the wallet pays the exact price.
import { expect, test } from 'bun:test';
import { SERVED_MODEL } from '../support/upstream-formats/core';
import { MISSING_MODEL, costString, priceMicros, promptTokensOf, readStream, type FormatGateway } from './upstream-format-client';
import type { FormatCase } from './upstream-format-suite';
import { expectChargedOnce } from './upstream-format-expect';
import { createCustomer } from './support';

const START_MICROS = 1_000_000n;
const MESSAGES = [{ role: 'user' as const, content: 'one two three four five six seven' }];
const PROMPT_TOKENS = promptTokensOf(MESSAGES);
const TEXT = 'tok0 tok1 tok2 tok3 tok4';
const EXPECTED = priceMicros(PROMPT_TOKENS, 5);

export function describeDeliveries(gatewayOf: () => FormatGateway, formatCase: FormatCase): void {
  test('non-stream: the content and usage arrive, usage.cost is the exact price, the wallet pays it', async () => {
    const gateway = gatewayOf();
    const customer = await createCustomer(gateway.fixture, START_MICROS);
    const completion = await customer.client.chat.completions.create({ model: SERVED_MODEL, messages: MESSAGES, max_tokens: 32 });
    expect(completion.choices[0]?.message.content).toBe(TEXT);
    expect(completion.usage).toMatchObject({ prompt_tokens: PROMPT_TOKENS, completion_tokens: 5, cost: costString(EXPECTED) });
    await expectChargedOnce(gateway, customer.accountId, START_MICROS, EXPECTED);
  });

  for (const fragmented of [false, true]) {
    test(`stream with include_usage${fragmented ? ', events split across reads' : ''}: every delta arrives, one usage chunk comes last with the cost, the wallet pays it`, async () => {
      const gateway = gatewayOf();
      gateway.upstream.setScenario({ fragmented });
      const customer = await createCustomer(gateway.fixture, START_MICROS);
      const stream = await customer.client.chat.completions.create({ model: SERVED_MODEL, messages: MESSAGES, max_tokens: 32, stream: true, stream_options: { include_usage: true } });
      const read = await readStream(stream);
      expect(read.error).toBeNull();
      expect(read.text).toBe(TEXT);
      expect(read.usageChunks).toHaveLength(1);
      expect(read.chunks.at(-1)).toBe(read.usageChunks[0]);
      expect(read.usageChunks[0].usage).toMatchObject({ prompt_tokens: PROMPT_TOKENS, completion_tokens: 5, cost: costString(EXPECTED) });
      await expectChargedOnce(gateway, customer.accountId, START_MICROS, EXPECTED);
    });
  }

  test('stream without include_usage: no usage reaches the client, the charge is still exact', async () => {
    const gateway = gatewayOf();
    const customer = await createCustomer(gateway.fixture, START_MICROS);
    const read = await readStream(await customer.client.chat.completions.create({ model: SERVED_MODEL, messages: MESSAGES, max_tokens: 32, stream: true }));
    expect(read.error).toBeNull();
    expect(read.text).toBe(TEXT);
    expect(read.usageChunks).toEqual([]);
    expect(gateway.upstream.requests.at(-1)?.stream_options).toEqual({ include_usage: true });
    await expectChargedOnce(gateway, customer.accountId, START_MICROS, EXPECTED);
  });

  if (!formatCase.checksModel) {
    test('a model name it does not check is answered like any other, and charged exactly', async () => {
      const gateway = gatewayOf();
      const customer = await createCustomer(gateway.fixture, START_MICROS);
      const completion = await customer.client.chat.completions.create({ model: MISSING_MODEL, messages: MESSAGES, max_tokens: 32 });
      expect(completion.choices[0]?.message.content).toBe(TEXT);
      await expectChargedOnce(gateway, customer.accountId, START_MICROS, EXPECTED);
    });
  }
}
