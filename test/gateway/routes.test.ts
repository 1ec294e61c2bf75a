// Acceptance: every OpenAI route round-trips through the official SDK with an exact charge, and
// every request the gateway refuses leaves the wallet and the ledger as they were.
import OpenAI, { type APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { accountState, costMicros, errorOf, formatCredits, type AccountState } from './account-state';
import { balanceOf, createCustomer, createGatewayFixture, expectLedgerBalanced, type Customer, type GatewayFixture } from './support';

// Each test starts real HTTP round trips through a database; bun's 5 s default is tight on a loaded machine.
setDefaultTimeout(20_000);

let fixture: GatewayFixture;
beforeAll(async () => {
  fixture = await createGatewayFixture();
});
afterAll(() => fixture.close());

const START_MICROS = 1_000_000n;
const costOf = (usage: unknown) => (usage as { cost?: string } | undefined)?.cost;

/** The parts of an account's state that a refused request must not touch. */
const moneyOf = ({ balanceMicros, reservedMicros, holds, transactionCount }: AccountState) => ({ balanceMicros, reservedMicros, holds, transactionCount });

describe('completions and embeddings through the OpenAI SDK', () => {
  test('non-stream completion: the wallet drops by exactly usage.cost', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const completion = await customer.client.completions.create({ model: 'fake-model', prompt: 'one two three', max_tokens: 50 });
    expect(completion.choices[0]?.text).toBe('tok0 tok1 tok2 tok3');
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4 });
    const expected = costMicros(3, 4);
    expect(costOf(completion.usage)).toBe(formatCredits(expected));
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS - expected);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });

  test('streamed completion with include_usage: text arrives, the last chunk carries usage and cost', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const stream = await customer.client.completions.create({
      model: 'fake-model',
      prompt: 'one two three four five six',
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('tok0 tok1 tok2 tok3');
    expect(usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 4 });
    const expected = costMicros(6, 4);
    expect(costOf(usage)).toBe(formatCredits(expected));
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS - expected);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });

  test('embeddings: vectors come back and the wallet drops by exactly usage.cost', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const result = await customer.client.embeddings.create({ model: 'fake-model', input: ['a b', 'c d e'] });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]?.embedding).toHaveLength(4);
    expect(result.usage.prompt_tokens).toBe(5);
    const expected = costMicros(5, 0);
    expect(costOf(result.usage)).toBe(formatCredits(expected));
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS - expected);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });
});

describe('GET /v1/models', () => {
  test('lists every configured model for an unrestricted key', async () => {
    const customer = await createCustomer(fixture, 0n);
    const models = await customer.client.models.list();
    expect(models.data.map((model) => model.id).sort()).toEqual(['fake-model', 'other-model']);
  });

  test("honours a key's models allow-list", async () => {
    const customer = await createCustomer(fixture, 0n, { billing: 'credits', models: ['fake-model'] });
    const models = await customer.client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(['fake-model']);
  });
});

describe('GET /v1/models/:id', () => {
  test("models.retrieve answers the OpenAI model object, the same as the list's entry", async () => {
    const customer = await createCustomer(fixture, 0n);
    const model = await customer.client.models.retrieve('other-model');
    expect(model).toEqual({ id: 'other-model', object: 'model', created: 0, owned_by: 'inferport' });
    const listed = (await customer.client.models.list()).data.find((entry) => entry.id === 'other-model');
    expect(model).toEqual(listed!);
  });

  test('an unknown model, or one outside the key\'s allow-list: 404 model_not_found', async () => {
    const customer = await createCustomer(fixture, 0n, { billing: 'credits', models: ['fake-model'] });
    for (const id of ['no-such-model', 'other-model', 'org/with-a-slash']) {
      const error = await errorOf(customer.client.models.retrieve(id));
      expect(error, id).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as APIError).code).toBe('model_not_found');
      expect((error as APIError).param).toBe('model');
      expect((error as APIError).message).toContain(`"${id}"`);
    }
  });

  test('needs a valid key, like the list', async () => {
    const client = new OpenAI({ baseURL: `${fixture.baseUrl}/v1`, apiKey: 'ip_not-a-real-key', maxRetries: 0 });
    const error = await errorOf(client.models.retrieve('fake-model'));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe('refused requests cost nothing and write no hold and no entry', () => {
  /** Runs `send` and checks that the account's money, holds and transactions did not change. */
  async function expectUntouched(customer: Customer, send: () => Promise<void>): Promise<void> {
    const before = await accountState(fixture, customer.accountId);
    await send();
    const after = await accountState(fixture, customer.accountId);
    expect(moneyOf(after)).toEqual(moneyOf(before));
    expect(after.holds).toEqual([]);
    expect(after.balanceMicros).toBe(START_MICROS);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  }

  test('a model outside the allow-list: 403 model_not_allowed', async () => {
    const customer = await createCustomer(fixture, START_MICROS, { billing: 'credits', models: ['fake-model'] });
    await expectUntouched(customer, async () => {
      const error = await errorOf(customer.client.chat.completions.create({ model: 'other-model', messages: [{ role: 'user', content: 'hi' }] }));
      expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect((error as APIError).status).toBe(403);
      expect((error as APIError).code).toBe('model_not_allowed');
    });
    expect(fixture.fakes.every((fake) => fake.requests.every((request) => request.body?.model !== 'other-model'))).toBe(true);
  });

  test('an unknown model: 404 model_not_found', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    await expectUntouched(customer, async () => {
      const error = await errorOf(customer.client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }));
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as APIError).code).toBe('model_not_found');
      expect((error as APIError).param).toBe('model');
    });
  });

  test('max_tokens at its maximum (2^31 - 1) is a valid limit: priced exactly, 402 when the wallet cannot cover it', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    await expectUntouched(customer, async () => {
      const error = await errorOf(customer.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 ** 31 - 1, n: 128 }));
      expect((error as APIError).status).toBe(402);
      expect((error as APIError).code).toBe('insufficient_credits');
    });
  });

  const badBodies: [string, string, Record<string, unknown>, string][] = [
    ['missing model', '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }, 'model'],
    ['stream: "yes"', '/v1/chat/completions', { model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], stream: 'yes' }, 'stream'],
    ['missing model (completions)', '/v1/completions', { prompt: 'hi' }, 'model'],
    ['stream: "yes" (completions)', '/v1/completions', { model: 'fake-model', prompt: 'hi', stream: 'yes' }, 'stream'],
    // Limits that once overflowed the reservation to Infinity (a 500), or are not integers at all.
    ['max_tokens 1e308 with n 2', '/v1/chat/completions', { model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1e308, n: 2 }, 'max_tokens'],
    ['max_completion_tokens 1e308', '/v1/chat/completions', { model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 1e308 }, 'max_completion_tokens'],
    ['max_tokens 2^31', '/v1/completions', { model: 'fake-model', prompt: 'hi', max_tokens: 2 ** 31 }, 'max_tokens'],
    ['max_tokens 2^53 + 2', '/v1/completions', { model: 'fake-model', prompt: 'hi', max_tokens: 2 ** 53 + 2 }, 'max_tokens'],
    ['max_tokens 1.5', '/v1/chat/completions', { model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1.5 }, 'max_tokens'],
    ['a bad max_tokens beside a good max_completion_tokens', '/v1/chat/completions', { model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 5, max_tokens: 1e308 }, 'max_tokens'],
  ];
  for (const [name, path, body, param] of badBodies) {
    test(`a bad body (${name}): 400 with OpenAI error JSON`, async () => {
      const customer = await createCustomer(fixture, START_MICROS);
      await expectUntouched(customer, async () => {
        const response = await fetch(`${fixture.baseUrl}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(response.status).toBe(400);
        const json = (await response.json()) as { error: Record<string, unknown> };
        expect(Object.keys(json)).toEqual(['error']);
        expect(json.error).toEqual({ message: expect.any(String), type: 'invalid_request_error', param, code: 'invalid_request' });
      });
    });
  }

  test('a bad body through the SDK is a BadRequestError', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    await expectUntouched(customer, async () => {
      const params = { model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], stream: 'yes' } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
      const error = await errorOf(customer.client.chat.completions.create(params));
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as APIError).param).toBe('stream');
    });
  });
});

describe('plan-billed keys of an account without a plan', () => {
  // A plan key is bounded by its account's plan; without one (and no default plan) it must be
  // refused, never served unmetered and free (it was: 30 of 30 requests with max_tokens 1e9).
  // Plans themselves: test/gateway/plan-*.test.ts.
  const generations = (client: OpenAI) => [
    ['chat', () => client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'one two three' }], max_tokens: 1e9 })],
    ['chat stream', () => client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], stream: true })],
    ['completions', () => client.completions.create({ model: 'fake-model', prompt: 'hi', max_tokens: 1e9 })],
    ['embeddings', () => client.embeddings.create({ model: 'fake-model', input: 'hi' })],
  ] as const;

  test('cannot generate: 403 no_plan on every route, nothing forwarded, nothing written', async () => {
    const customer = await createCustomer(fixture, START_MICROS, { billing: 'plan' });
    const forwardedBefore = fixture.fakes.reduce((sum, fake) => sum + fake.requests.length, 0);
    for (const [name, send] of generations(customer.client)) {
      const error = await errorOf(send());
      expect(error, name).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect((error as APIError).status).toBe(403);
      expect((error as APIError).code).toBe('no_plan');
      expect((error as APIError).type).toBe('permission_error');
      expect((error as APIError).message).toContain('its account has no plan');
    }
    expect(fixture.fakes.reduce((sum, fake) => sum + fake.requests.length, 0)).toBe(forwardedBefore);
    const state = await accountState(fixture, customer.accountId);
    expect(state.balanceMicros).toBe(START_MICROS);
    expect(state.reservedMicros).toBe(0n);
    expect(state.holds).toEqual([]);
    expect(state.usage).toEqual([]);
    expect(await expectLedgerBalanced(fixture)).toEqual([]);
  });

  test('may still list and look up models (that costs nothing)', async () => {
    const customer = await createCustomer(fixture, 0n, { billing: 'plan', models: ['fake-model'] });
    expect((await customer.client.models.list()).data.map((model) => model.id)).toEqual(['fake-model']);
    expect(await customer.client.models.retrieve('fake-model')).toMatchObject({ id: 'fake-model', object: 'model' });
  });
});

describe('x-request-id', () => {
  const ask = (customer: Customer, requestId: string) =>
    customer.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-request-id': requestId } }).withResponse();

  test('a sane client id is echoed in the response and passed to the upstream', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const requestId = 'client-id_42.retry:1';
    const { response } = await ask(customer, requestId);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    expect(fixture.fake.requests.at(-1)?.headers['x-request-id']).toBe(requestId);
    const { usage } = await accountState(fixture, customer.accountId);
    expect(usage.map((record) => record.requestId)).toEqual([requestId]);
  });

  test('a sane client id is echoed on a streamed response too', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const { data: stream, response } = await customer.client.chat.completions
      .create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], stream: true }, { headers: { 'x-request-id': 'stream-id-7' } })
      .withResponse();
    for await (const _chunk of stream) void _chunk;
    expect(response.headers.get('x-request-id')).toBe('stream-id-7');
  });

  for (const [name, insane] of [
    ['300 characters', 'a'.repeat(300)],
    ['spaces', 'has some spaces'],
    ['a quote and a slash', 'id"/../x'],
  ] as const) {
    test(`an insane client id (${name}) is replaced by one of the gateway's`, async () => {
      const customer = await createCustomer(fixture, START_MICROS);
      const { response } = await ask(customer, insane);
      const echoed = response.headers.get('x-request-id');
      expect(echoed).not.toBe(insane);
      expect(echoed).toMatch(/^req_[0-9a-z]{20}$/);
      expect(fixture.fake.requests.at(-1)?.headers['x-request-id']).toBe(echoed!);
    });
  }
});
