// Acceptance: PUT /admin/keys/:id/limits sets, replaces and clears a plan-billed key's own
// limits; they show in the key's JSON and on the key as authentication hands it to the gateway
// (at once on this replica: the route clears the key cache). Credit-billed keys take none, and a
// bad body is a 400 in OpenAI's shape that changes nothing.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { authenticateKey } from '../../src/keys/auth';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp({ plans: { pro: { requests_per_minute: 100 } } });
});
afterAll(() => testApp.close());

const putLimits = (keyId: string, body: unknown) => testApp.admin('PUT', `/admin/keys/${keyId}/limits`, body);
const authenticated = (key: string) => authenticateKey(testApp.context.db, testApp.context.keyCache, `Bearer ${key}`, testApp.context.now());
const listedLimits = async (accountId: string, keyId: string) => {
  const { data } = await readJson(await testApp.admin('GET', `/admin/accounts/${accountId}/keys`));
  return data.find((key: { id: string }) => key.id === keyId).limits;
};

const ALL_LIMITS = { requests_per_minute: 10, tokens_per_minute: 2000, tokens_per_day: 50_000, tokens_per_month: 1_000_000, concurrent: 2 };

describe('PUT /admin/keys/:id/limits', () => {
  test('round-trips every limit through the API and onto the authenticated key, at once', async () => {
    const { accountId, keyId, key } = await createAccountWithKey(testApp, { billing: 'plan' });
    // Authenticated once first, so the key sits in this replica's cache when its limits change.
    expect((await authenticated(key)).limits).toBeNull();

    const response = await putLimits(keyId, ALL_LIMITS);
    expect(response.status).toBe(200);
    expect(await readJson(response)).toMatchObject({ id: keyId, object: 'api_key', billing: 'plan', limits: ALL_LIMITS });
    expect(await listedLimits(accountId, keyId)).toEqual(ALL_LIMITS);
    expect((await authenticated(key)).limits).toEqual({ requestsPerMinute: 10, tokensPerMinute: 2000, tokensPerDay: 50_000, tokensPerMonth: 1_000_000, concurrent: 2 });
  });

  test('PUT replaces the whole set: a field left out is unlimited; 0 is a limit, not unlimited', async () => {
    const { accountId, keyId, key } = await createAccountWithKey(testApp, { billing: 'plan' });
    expect((await putLimits(keyId, ALL_LIMITS)).status).toBe(200);
    const response = await putLimits(keyId, { requests_per_minute: 0, concurrent: null });
    expect(response.status).toBe(200);
    const expected = { requests_per_minute: 0, tokens_per_minute: null, tokens_per_day: null, tokens_per_month: null, concurrent: null };
    expect((await readJson(response)).limits).toEqual(expected);
    expect(await listedLimits(accountId, keyId)).toEqual(expected);
    expect((await authenticated(key)).limits).toEqual({ requestsPerMinute: 0, tokensPerMinute: null, tokensPerDay: null, tokensPerMonth: null, concurrent: null });
  });

  test.each([
    ['an empty object', {}],
    ['every field null', { requests_per_minute: null, tokens_per_minute: null, tokens_per_day: null, tokens_per_month: null, concurrent: null }],
  ])('%s clears them: the key is bounded by its plan alone', async (_label, body) => {
    const { accountId, keyId, key } = await createAccountWithKey(testApp, { billing: 'plan' });
    expect((await putLimits(keyId, { tokens_per_day: 5 })).status).toBe(200);
    expect((await authenticated(key)).limits).not.toBeNull();
    const response = await putLimits(keyId, body);
    expect(response.status).toBe(200);
    expect((await readJson(response)).limits).toBeNull();
    expect(await listedLimits(accountId, keyId)).toBeNull();
    expect((await authenticated(key)).limits).toBeNull();
  });

  test('a credit-billed key takes no limits (400, nothing stored); clearing its none is harmless', async () => {
    const { accountId, keyId, key } = await createAccountWithKey(testApp, { billing: 'credits' });
    const response = await putLimits(keyId, { requests_per_minute: 5 });
    expect(response.status).toBe(400);
    const { error } = await readJson(response);
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request' });
    expect(error.message).toContain('plan-billed');
    expect(await listedLimits(accountId, keyId)).toBeNull();
    expect((await authenticated(key)).limits).toBeNull();
    expect((await putLimits(keyId, {})).status).toBe(200);
  });

  test.each([
    ['a negative limit', { requests_per_minute: -1 }, 'requests_per_minute'],
    ['a fraction', { tokens_per_day: 1.5 }, 'tokens_per_day'],
    ['a string', { concurrent: '4' }, 'concurrent'],
    ['a number beyond 2^53', { tokens_per_month: 2 ** 60 }, 'tokens_per_month'],
    ['an unknown field', { requests_per_hour: 5 }, null],
    ['a body of null', null, null],
    ['a list', [5], null],
    ['a bare number', 5, null],
  ])('%s is a 400 in the OpenAI error shape and changes nothing', async (_label, body, param) => {
    const { accountId, keyId, key } = await createAccountWithKey(testApp, { billing: 'plan' });
    expect((await putLimits(keyId, ALL_LIMITS)).status).toBe(200);
    const response = await putLimits(keyId, body);
    expect(response.status).toBe(400);
    const { error } = await readJson(response);
    expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(error.code).toBe('invalid_request');
    if (param !== null) expect({ param: error.param, named: error.message.includes(param) }).toEqual({ param, named: true });
    expect(await listedLimits(accountId, keyId)).toEqual(ALL_LIMITS);
    expect((await authenticated(key)).limits).toEqual({ requestsPerMinute: 10, tokensPerMinute: 2000, tokensPerDay: 50_000, tokensPerMonth: 1_000_000, concurrent: 2 });
  });

  test('an unknown key is a 404', async () => {
    const response = await putLimits('key_missing', { requests_per_minute: 1 });
    expect(response.status).toBe(404);
    expect((await readJson(response)).error.code).toBe('not_found');
  });
});
