// Regression (issue 8, point 5): a request looks its model's price up once, and the credit
// reserved before forwarding and the charge after it come from that one lookup. Before, the
// handler priced the reservation and settle.ts looked the price up again for the charge.
import { afterAll, beforeAll, describe, expect, spyOn, test } from 'bun:test';
import * as pricing from '../../src/gateway/pricing';
import { balanceOf, createCustomer, createGatewayFixture, expectLedgerBalanced, type GatewayFixture } from './support';

let fixture: GatewayFixture;
beforeAll(async () => {
  fixture = await createGatewayFixture();
});
afterAll(() => fixture.close());

const MESSAGES = [{ role: 'user' as const, content: 'one two three' }];

/** Runs `send` with priceFor watched; returns the models it was asked for. */
async function pricedModels(send: () => Promise<unknown>): Promise<string[]> {
  const spy = spyOn(pricing, 'priceFor');
  try {
    await send();
    return spy.mock.calls.map(([, model]) => model);
  } finally {
    spy.mockRestore();
  }
}

describe('a request is priced once', () => {
  test('non-stream: one lookup, and the charge is the reported usage at that price', async () => {
    const customer = await createCustomer(fixture, 1_000_000n);
    const models = await pricedModels(() => customer.client.chat.completions.create({ model: 'fake-model', messages: MESSAGES, max_tokens: 50 }));
    expect(models).toEqual(['fake-model']);
    // The fake reports 3 prompt and 4 completion tokens; at 0.75 credits per million that is 6 µcr.
    expect(await balanceOf(fixture, customer.accountId)).toBe(1_000_000n - 6n);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });

  test('stream: one lookup for the reservation and the charge at its end', async () => {
    const customer = await createCustomer(fixture, 1_000_000n);
    const models = await pricedModels(async () => {
      const stream = await customer.client.chat.completions.create({ model: 'fake-model', messages: MESSAGES, stream: true });
      for await (const chunk of stream) void chunk;
    });
    expect(models).toEqual(['fake-model']);
    expect(await balanceOf(fixture, customer.accountId)).toBe(1_000_000n - 6n);
  });
});
