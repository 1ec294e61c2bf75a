// The API-key auth plugin (src/http/api-key-auth.ts), used by /v1 and /console: a route behind
// it gets the request's key, and a request without a good key is refused before its body or
// query is validated, so a stranger learns nothing about the schema.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Elysia, t } from 'elysia';
import { apiKeyAuth } from '../../src/http/api-key-auth';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';

let testApp: TestApp;
let probe: { handle: (request: Request) => Response | Promise<Response> };
beforeAll(async () => {
  testApp = await createTestApp();
  // A route of its own behind the plugin, mounted on the real app so its onError shapes errors.
  const routes = new Elysia({ prefix: '/probe' })
    .use(apiKeyAuth(testApp.context))
    .post('/echo', ({ apiKey, body }) => ({ key_id: apiKey.id, account_id: apiKey.accountId, count: body.count }), { body: t.Object({ count: t.Integer() }) });
  probe = testApp.app.use(routes);
});
afterAll(() => testApp.close());

const send = (path: string, init: { method?: string; token?: string; body?: unknown } = {}) => {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  return probe.handle(new Request(`http://localhost${path}`, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body }));
};

describe('apiKeyAuth', () => {
  test('hands the route the authenticated key', async () => {
    const { accountId, keyId, key } = await createAccountWithKey(testApp);
    const response = await send('/probe/echo', { token: key, body: { count: 3 } });
    expect(response.status).toBe(200);
    expect(await readJson(response)).toEqual({ key_id: keyId, account_id: accountId, count: 3 });
  });

  test('refuses a missing or wrong key with 401 before the body is validated', async () => {
    for (const token of [undefined, 'ipk_wrong']) {
      const response = await send('/probe/echo', { token, body: { count: 'not a number' } });
      expect(response.status).toBe(401);
      expect((await readJson(response)).error.code).toBe('invalid_api_key');
    }
  });

  test('with a good key the same bad body is a 400 naming the field', async () => {
    const { key } = await createAccountWithKey(testApp);
    const response = await send('/probe/echo', { token: key, body: { count: 'not a number' } });
    expect(response.status).toBe(400);
    expect((await readJson(response)).error.param).toBe('count');
  });

  test('a suspended account is 403 through the plugin', async () => {
    const { accountId, key } = await createAccountWithKey(testApp);
    expect((await testApp.admin('POST', `/admin/accounts/${accountId}/suspend`)).status).toBe(200);
    const response = await send('/probe/echo', { token: key, body: { count: 1 } });
    expect(response.status).toBe(403);
    expect((await readJson(response)).error.code).toBe('account_suspended');
  });
});

describe('the routes behind it', () => {
  test('/console refuses a stranger with 401 even when the query is malformed', async () => {
    const response = await send('/console/ledger?limit=abc');
    expect(response.status).toBe(401);
    expect((await readJson(response)).error.code).toBe('invalid_api_key');
  });

  test('/v1 refuses a stranger with 401 whatever the body', async () => {
    for (const body of [{}, { model: 42 }, { model: 'm', messages: 'nope' }]) {
      const response = await send('/v1/chat/completions', { body });
      expect(response.status).toBe(401);
      expect((await readJson(response)).error.code).toBe('invalid_api_key');
    }
    expect((await send('/v1/models')).status).toBe(401);
  });

  test('routes outside /v1 and /console need no key', async () => {
    expect((await send('/healthz')).status).toBe(200);
  });
});
