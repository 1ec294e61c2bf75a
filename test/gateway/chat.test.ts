import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { PROMPT_MARKER } from '../support/env';
import { balanceOf, createCustomer, createGatewayFixture, expectLedgerBalanced, type GatewayFixture } from './support';

let fixture: GatewayFixture;
beforeAll(async () => {
  fixture = await createGatewayFixture();
});
afterAll(() => fixture.close());

// The fake counts prompt tokens as words and produces `chunks` completion tokens (default 4).
// At 0.75 credits per million tokens each token costs 0.75 micro-credits; the total rounds up once.
const costMicros = (prompt: number, completion: number) => BigInt(Math.ceil(((prompt + completion) * 750_000) / 1_000_000));

describe('chat completions through the OpenAI SDK', () => {
  test('non-stream: the wallet drops by the price of the reported usage and usage.cost says so', async () => {
    const customer = await createCustomer(fixture, 1_000_000n);
    const completion = await customer.client.chat.completions.create({
      model: 'fake-model',
      // Five words, one of them the marker the suite's output is searched for (no prompt is ever logged).
      messages: [{ role: 'user', content: `one two three four ${PROMPT_MARKER}` }],
      max_tokens: 100,
    });
    expect(completion.usage?.prompt_tokens).toBe(5);
    expect(completion.usage?.completion_tokens).toBe(4);
    const expected = costMicros(5, 4);
    expect((completion.usage as unknown as { cost: string }).cost).toBe(`0.${expected.toString().padStart(6, '0')}`);
    expect(await balanceOf(fixture, customer.accountId)).toBe(1_000_000n - expected);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });

  test('stream with include_usage: chunks arrive, the last chunk carries usage and cost', async () => {
    const customer = await createCustomer(fixture, 1_000_000n);
    fixture.fake.setBehavior({ chunks: 40 });
    const stream = await customer.client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'a b c' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: Record<string, unknown> | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage as unknown as Record<string, unknown>;
    }
    fixture.fake.reset();
    expect(text.split(' ')).toHaveLength(40);
    expect(usage?.completion_tokens).toBe(40);
    const expected = costMicros(3, 40);
    expect(usage?.cost).toBe(`0.${expected.toString().padStart(6, '0')}`);
    expect(await balanceOf(fixture, customer.accountId)).toBe(1_000_000n - expected);
  });

  test('stream without include_usage: no usage chunk reaches the client, the charge is still exact', async () => {
    const customer = await createCustomer(fixture, 1_000_000n);
    const stream = await customer.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'a b' }], stream: true });
    let sawUsage = false;
    for await (const chunk of stream) if (chunk.usage) sawUsage = true;
    expect(sawUsage).toBe(false);
    expect(fixture.fake.requests.at(-1)?.body.stream_options).toEqual({ include_usage: true });
    expect(await balanceOf(fixture, customer.accountId)).toBe(1_000_000n - costMicros(2, 4));
  });

  test('an upstream that reports no usage: the client that asked still gets a usage chunk with cost, marked estimated', async () => {
    const customer = await createCustomer(fixture, 1_000_000n);
    fixture.fake.setBehavior({ chunks: 6, omitUsage: true });
    const stream = await customer.client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'one two three four' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: Record<string, unknown> | null = null;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage as unknown as Record<string, unknown>;
    fixture.fake.reset();
    expect(usage?.estimated).toBe(true);
    expect(usage?.completion_tokens).toBe(6);
    const charged = 1_000_000n - (await balanceOf(fixture, customer.accountId));
    expect(charged).toBeGreaterThan(0n);
    expect(usage?.cost).toBe(`0.${charged.toString().padStart(6, '0')}`);
  });

  test('an error answer echoes a sane x-request-id', async () => {
    const customer = await createCustomer(fixture, 0n);
    const response = await fetch(`${fixture.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json', 'x-request-id': 'trace-42' },
      body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(402);
    expect(response.headers.get('x-request-id')).toBe('trace-42');
  });
});
