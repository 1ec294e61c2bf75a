// Acceptance: PUT /admin/accounts/:id/models sets and clears the models an account's keys may
// use; the account's JSON shows them; a bad body is a 400 in OpenAI's shape that changes nothing.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createTestApp, readJson, type TestApp } from '../support/app';
import { ADMIN_TOKEN } from '../support/env';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(() => testApp.close());

async function createAccount(): Promise<string> {
  const response = await testApp.admin('POST', '/admin/accounts', { name: 'models' });
  expect(response.status).toBe(201);
  const account = await readJson(response);
  expect(account.models).toBeNull();
  return account.id;
}

const putModels = (accountId: string, body: unknown) => testApp.admin('PUT', `/admin/accounts/${accountId}/models`, body);
const modelsOf = async (accountId: string) => (await readJson(await testApp.admin('GET', `/admin/accounts/${accountId}`))).models;

describe('PUT /admin/accounts/:id/models', () => {
  test('sets the list (duplicates dropped), shows it on the account and in the listing, and clears it', async () => {
    const accountId = await createAccount();
    const set = await putModels(accountId, { models: ['fake-model', 'other-model', 'fake-model'] });
    expect(set.status).toBe(200);
    expect(await readJson(set)).toMatchObject({ id: accountId, object: 'account', models: ['fake-model', 'other-model'] });
    expect(await modelsOf(accountId)).toEqual(['fake-model', 'other-model']);
    const listed = (await readJson(await testApp.admin('GET', '/admin/accounts?limit=100'))).data.find((account: { id: string }) => account.id === accountId);
    expect(listed.models).toEqual(['fake-model', 'other-model']);

    const cleared = await putModels(accountId, { models: null });
    expect(cleared.status).toBe(200);
    expect((await readJson(cleared)).models).toBeNull();
    expect(await modelsOf(accountId)).toBeNull();
  });

  test('an empty list is kept as an empty list (no model allowed), not as no narrowing', async () => {
    const accountId = await createAccount();
    expect((await putModels(accountId, { models: [] })).status).toBe(200);
    expect(await modelsOf(accountId)).toEqual([]);
  });

  test.each([
    ['models missing', {}],
    ['models not a list', { models: 'fake-model' }],
    ['a name that is not a string', { models: [42] }],
    ['an empty name', { models: [''] }],
    ['a name too long', { models: ['m'.repeat(201)] }],
    ['too many names', { models: Array.from({ length: 201 }, (_, index) => `m${index}`) }],
    ['an unknown field', { models: ['fake-model'], plan: 'pro' }],
    ['a body of null', null],
    ['a list as the body', ['fake-model']],
  ])('%s is a 400 in the OpenAI error shape and changes nothing', async (_label, body) => {
    const accountId = await createAccount();
    expect((await putModels(accountId, { models: ['kept-model'] })).status).toBe(200);
    const response = await putModels(accountId, body);
    expect(response.status).toBe(400);
    const { error } = await readJson(response);
    expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request' });
    expect(await modelsOf(accountId)).toEqual(['kept-model']);
  });

  test('an unknown account is a 404, and a request without the admin token a 401', async () => {
    const missing = await putModels('acct_missing', { models: ['fake-model'] });
    expect(missing.status).toBe(404);
    expect((await readJson(missing)).error.code).toBe('not_found');
    const accountId = await createAccount();
    const stranger = await testApp.request('PUT', `/admin/accounts/${accountId}/models`, { body: { models: [] }, token: `${ADMIN_TOKEN}x` });
    expect(stranger.status).toBe(401);
    expect(await modelsOf(accountId)).toBeNull();
  });
});
