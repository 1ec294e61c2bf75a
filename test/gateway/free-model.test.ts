// Regression: a model priced at zero (input and output 0 per million) reserves nothing. The
// reservation found no lease to carve 0 from and, needing no credit, never opened one: every
// request of such a model answered 503 "Could not reserve credit … after 16 attempts".
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { balanceOf, createCustomer, createGatewayFixture, expectLedgerBalanced, type GatewayFixture } from './support';

let fixture: GatewayFixture;
beforeAll(async () => {
  fixture = await createGatewayFixture({ prices: { 'fake-model': { input_per_million: 0, output_per_million: 0 } } });
});
afterAll(() => fixture.close());

const MESSAGES = [{ role: 'user' as const, content: 'one two three' }];

describe('a free model', () => {
  test('is served and charges nothing, plain and streamed, with credit in the wallet', async () => {
    const customer = await createCustomer(fixture, 1_000_000n);
    const answer = await customer.client.chat.completions.create({ model: 'fake-model', messages: MESSAGES, max_tokens: 50 });
    expect(answer.choices.length).toBeGreaterThan(0);
    const stream = await customer.client.chat.completions.create({ model: 'fake-model', messages: MESSAGES, stream: true });
    for await (const chunk of stream) void chunk;
    // A priced model on the same account still charges (the fake reports 3 + 4 tokens: 6 µcr).
    await customer.client.chat.completions.create({ model: 'other-model', messages: MESSAGES, max_tokens: 50 });
    expect(await balanceOf(fixture, customer.accountId)).toBe(1_000_000n - 6n);
    const records = await fixture.testApp.context.db.selectFrom('usage_records').select(['model', 'cost_micros', 'status_code']).where('account_id', '=', customer.accountId).execute();
    expect(records.filter((record) => record.model === 'fake-model').map((record) => [BigInt(record.cost_micros), Number(record.status_code)])).toEqual([
      [0n, 200],
      [0n, 200],
    ]);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });

  test('is served from an empty wallet: it costs nothing to reserve', async () => {
    const customer = await createCustomer(fixture, 0n);
    const answer = await customer.client.chat.completions.create({ model: 'fake-model', messages: MESSAGES });
    expect(answer.choices.length).toBeGreaterThan(0);
    expect(await balanceOf(fixture, customer.accountId)).toBe(0n);
  });
});
