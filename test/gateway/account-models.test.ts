// Acceptance: the models an admin allows an account (PUT /admin/accounts/:id/models) narrow /v1
// for every key of the account, whatever its billing, on top of each key's own list: /v1/models
// lists only allowed models, /v1/models/:id is 404 for the rest, and generating with another
// model is 403 model_not_allowed and leaves the wallet as it was. Clearing the list restores them.
// (Generation is tested with credit-billed keys and listing with both; a plan's own model list:
// plan-keys.test.ts.)
import OpenAI, { type APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import * as ledger from '../../src/ledger/service';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';

setDefaultTimeout(20_000);

const SERVED = ['fake-model', 'other-model', 'third-model'];

let testApp: TestApp;
let fake: FakeUpstream;
let baseUrl: string;
beforeAll(async () => {
  fake = startFakeUpstream();
  testApp = await createTestApp({ upstreams: [{ name: 'fake', url: fake.url, models: SERVED }], wallet: { trial_credits: 0 } });
  baseUrl = testApp.listen();
});
afterAll(async () => {
  await testApp.close();
  await fake.stop();
});

interface Account {
  accountId: string;
  credit: OpenAI;
  plan: OpenAI;
}

/** An account with 1 credit, a credit-billed key and a plan-billed key (each key with `models`, if given). */
async function createAccount(keyModels: string[] | null = null): Promise<Account> {
  const { accountId, key } = await createAccountWithKey(testApp, { billing: 'credits', models: keyModels });
  await ledger.grant(testApp.context.db, { accountId, kind: 'paid', amountMicros: 1_000_000n, expiresAtMs: null, source: 'admin', idempotencyKey: `seed:${accountId}` }, Date.now());
  const planKey = await readJson(await testApp.admin('POST', `/admin/accounts/${accountId}/keys`, { billing: 'plan', models: keyModels }));
  const client = (apiKey: string) => new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey, maxRetries: 0 });
  return { accountId, credit: client(key), plan: client(planKey.key) };
}

async function setModels(accountId: string, models: string[] | null): Promise<void> {
  const response = await testApp.admin('PUT', `/admin/accounts/${accountId}/models`, { models });
  expect(response.status).toBe(200);
}

const listed = async (client: OpenAI) => (await client.models.list()).data.map((model) => model.id).sort();
const chat = (client: OpenAI, model: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello there' }], max_tokens: 10 });
const statusOf = async (promise: Promise<unknown>) => promise.then(() => 200, (error: { status?: number }) => error.status);

async function refusal(promise: Promise<unknown>): Promise<{ status?: number; code?: string; param?: string | null; message?: string }> {
  const error = (await promise.then(() => new Error('expected a refusal'), (caught) => caught)) as APIError;
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return { status: error.status, code: error.code ?? undefined, param: error.param, message: error.message };
}

const walletOf = async (accountId: string) => (await ledger.getWalletSummary(testApp.context.db, accountId, Date.now())).balanceMicros;

describe("an account's models", () => {
  test('narrow /v1/models and /v1/models/:id for its credit and its plan keys, at once', async () => {
    const account = await createAccount();
    // Both keys authenticated (and cached on this replica) before the change.
    for (const client of [account.credit, account.plan]) expect(await listed(client)).toEqual(SERVED);

    await setModels(account.accountId, ['other-model', 'not-served-model']);
    for (const client of [account.credit, account.plan]) {
      expect(await listed(client)).toEqual(['other-model']);
      expect((await client.models.retrieve('other-model')).id).toBe('other-model');
      expect(await refusal(client.models.retrieve('fake-model'))).toMatchObject({ status: 404, code: 'model_not_found' });
    }
  });

  test('generating with another model is 403 model_not_allowed and costs nothing; an allowed one is served', async () => {
    const account = await createAccount();
    await setModels(account.accountId, ['other-model']);
    const before = await walletOf(account.accountId);
    const requestsBefore = fake.requests.length;
    expect(await refusal(chat(account.credit, 'fake-model'))).toMatchObject({ status: 403, code: 'model_not_allowed', param: 'model' });
    expect(await walletOf(account.accountId)).toBe(before);
    expect(fake.requests.length).toBe(requestsBefore);

    const served = await chat(account.credit, 'other-model');
    expect(served.choices[0]?.message.content).toBeString();
    expect(await walletOf(account.accountId)).toBeLessThan(before);
  });

  test("intersect with each key's own list", async () => {
    const account = await createAccount(['fake-model', 'other-model']);
    await setModels(account.accountId, ['other-model', 'third-model']);
    for (const client of [account.credit, account.plan]) expect(await listed(client)).toEqual(['other-model']);
    const byAccount = await refusal(chat(account.credit, 'fake-model'));
    expect(byAccount).toMatchObject({ status: 403, code: 'model_not_allowed' });
    expect(byAccount.message).toContain('account');
    const byKey = await refusal(chat(account.credit, 'third-model'));
    expect(byKey).toMatchObject({ status: 403, code: 'model_not_allowed' });
    expect(byKey.message).toContain('key');
    expect(await statusOf(chat(account.credit, 'other-model'))).toBe(200);
  });

  test('an empty list allows no model; clearing the list restores every model', async () => {
    const account = await createAccount();
    await setModels(account.accountId, []);
    for (const client of [account.credit, account.plan]) expect(await listed(client)).toEqual([]);
    expect(await refusal(chat(account.credit, 'fake-model'))).toMatchObject({ status: 403, code: 'model_not_allowed' });

    await setModels(account.accountId, null);
    for (const client of [account.credit, account.plan]) expect(await listed(client)).toEqual(SERVED);
    expect(await statusOf(chat(account.credit, 'fake-model'))).toBe(200);
    expect(await statusOf(chat(account.credit, 'third-model'))).toBe(200);
  });

  test("another account's list leaves this one alone", async () => {
    const narrowed = await createAccount();
    const other = await createAccount();
    await setModels(narrowed.accountId, ['fake-model']);
    expect(await listed(other.credit)).toEqual(SERVED);
    expect(await statusOf(chat(other.credit, 'third-model'))).toBe(200);
  });
});
