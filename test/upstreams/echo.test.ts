// The built-in echo upstream ([[upstreams]] url = "echo:"): off by default; when configured it
// answers chat and text completions, streamed or not, and embeddings in OpenAI's format through
// the OpenAI SDK, with usage that counts words, and is billed like any other upstream.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { parseConfig } from '../../src/config';
import { balanceOf, createCustomer, createGatewayFixture, expectLedgerBalanced, type Customer, type GatewayFixture } from '../gateway/support';
import { readiness, runProbes } from './support';

// 1 credit per million input tokens and 2 per million output: 1 and 2 micro-credits per token.
const PRICES = { echo: { input_per_million: '1', output_per_million: '2' } };

let fixture: GatewayFixture;
let customer: Customer;
beforeAll(async () => {
  fixture = await createGatewayFixture({ upstreams: [{ name: 'echo', url: 'echo:', models: ['echo'] }], prices: PRICES }, 0);
  customer = await createCustomer(fixture, 1_000_000n);
});
afterAll(() => fixture.close());

/** Waits for the meter's settlement batch to reach the wallet. */
async function chargedSince(before: bigint, expectedMicros: bigint): Promise<bigint> {
  const deadline = Date.now() + 5000;
  let balance = await balanceOf(fixture, customer.accountId);
  while (before - balance !== expectedMicros && Date.now() < deadline) {
    await Bun.sleep(20);
    balance = await balanceOf(fixture, customer.accountId);
  }
  return before - balance;
}

describe('echo upstream', () => {
  test('is off unless configured: a default config has no upstream, and "echo:" is its only non-HTTP URL', () => {
    expect(parseConfig({}, {}).upstreams).toEqual([]);
    expect(parseConfig({ upstreams: [{ name: 'e', url: 'echo:', models: ['echo'] }] }, {}).upstreams[0]!.url).toBe('echo:');
    expect(() => parseConfig({ upstreams: [{ name: 'e', url: 'echo:/x', models: ['echo'] }] }, {})).toThrow(/upstreams\[0\]\.url/);
  });

  test('a chat completion repeats the last user message, reports its words as usage, and is charged for them', async () => {
    const before = await balanceOf(fixture, customer.accountId);
    const completion = await customer.client.chat.completions.create({
      model: 'echo',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello there echo' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'hello there echo' });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
    expect(await chargedSince(before, 5n + 6n)).toBe(11n);
    expect((completion.usage as unknown as { cost: string }).cost).toBe('0.000011');
  });

  test('a stream sends a chunk per word and the usage, and max_tokens cuts it with finish_reason "length"', async () => {
    const before = await balanceOf(fixture, customer.accountId);
    const stream = await customer.client.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'one two three four five' }],
      max_tokens: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    let finish: string | null = null;
    let usage: unknown = null;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        if (choice.delta.content) pieces.push(choice.delta.content);
        if (choice.finish_reason) finish = choice.finish_reason;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(pieces.join('')).toBe('one two three');
    expect(pieces).toHaveLength(3);
    expect(finish).toBe('length');
    expect(usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
    expect(await chargedSince(before, 5n + 6n)).toBe(11n);
  });

  test('text completions and embeddings', async () => {
    const completion = await customer.client.completions.create({ model: 'echo', prompt: 'say it back' });
    expect(completion.choices[0]!.text).toBe('say it back');
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 3 });
    const embedding = await customer.client.embeddings.create({ model: 'echo', input: ['a b', 'c'] });
    expect(embedding.data).toHaveLength(2);
    expect(embedding.data[0]!.embedding).toHaveLength(8);
    expect(embedding.usage.prompt_tokens).toBe(3);
  });

  test('is listed as a model, never probed, and always up in /readyz', async () => {
    expect((await customer.client.models.list()).data.map((model) => model.id)).toEqual(['echo']);
    await runProbes(fixture.testApp);
    const { status, body } = await readiness(fixture.testApp);
    expect(status).toBe(200);
    expect(body.upstreams[0]).toMatchObject({ name: 'echo', up: true, probe: 'unknown' });
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });
});
