// Acceptance: every admin route refuses a missing or wrong token, and the whole admin API is off
// when no token is configured; each refusal is OpenAI's error JSON and writes nothing.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { buildApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import { createTestApp, type TestApp } from '../support/app';

let testApp: TestApp;

beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => {
  await testApp?.close();
});

function expectAuthError(body: unknown, code: string) {
  expect(body).toEqual({ error: { message: expect.any(String), type: 'authentication_error', param: null, code } });
}

describe('admin authentication', () => {
  test.each([
    ['no token', undefined],
    ['a wrong token', 'wrong-token'],
    ['an API key instead of the admin token', 'ipk_notanadmintoken'],
  ])('%s gets 401 invalid_admin_token on every admin route', async (_label, token) => {
    const routes = await adminRoutes();
    const before = await countAccounts();
    for (const [method, path] of routes) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : { name: 'Intruder', billing: 'credits', plan: null };
      const response = await testApp.request(method, path, { body, token });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 401 });
      expect(response.headers.get('content-type')).toStartWith('application/json');
      expectAuthError(await response.json(), 'invalid_admin_token');
    }
    expect(await countAccounts()).toBe(before);
  });

  test('a malformed body without the token still gets 401, not a validation error', async () => {
    const response = await testApp.request('POST', '/admin/accounts', { body: { nope: 1 } });
    expect(response.status).toBe(401);
    expectAuthError(await response.json(), 'invalid_admin_token');
  });

  test('with no admin token configured the admin API answers 401 admin_disabled', async () => {
    const config = parseConfig({ server: { data_dir: testApp.database.dataDir } }, {});
    expect(config.adminToken).toBeNull();
    const app = buildApp({ ...testApp.context, config });
    const before = await countAccounts();
    for (const token of [undefined, 'anything', '']) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      for (const method of ['GET', 'POST']) {
        const body = method === 'POST' ? JSON.stringify({ name: 'Sneaky' }) : undefined;
        const response = await app.handle(new Request('http://localhost/admin/accounts', { method, headers, body }));
        expect(response.status).toBe(401);
        expectAuthError(await response.json(), 'admin_disabled');
      }
    }
    expect(await countAccounts()).toBe(before);
  });
});

/**
 * Every admin operation in the OpenAPI document, with ids filled in, so that a route added later
 * is covered too. The foundation's own routes must be among them.
 */
async function adminRoutes(): Promise<[string, string][]> {
  const document = (await (await testApp.request('GET', '/swagger/json')).json()) as { paths: Record<string, Record<string, unknown>> };
  const routes = Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/admin'))
    .flatMap(([path, operations]) => Object.keys(operations).map((method): [string, string] => [method.toUpperCase(), path.replace(/\{[^}]+\}/g, 'x_1')]));
  const spelled = routes.map(([method, path]) => `${method} ${path.replace(/(.)\/$/, '$1')}`);
  for (const expected of [
    'POST /admin/accounts',
    'GET /admin/accounts',
    'GET /admin/accounts/x_1',
    'POST /admin/accounts/x_1/suspend',
    'POST /admin/accounts/x_1/unsuspend',
    'PUT /admin/accounts/x_1/plan',
    'POST /admin/accounts/x_1/keys',
    'GET /admin/accounts/x_1/keys',
    'DELETE /admin/keys/x_1',
  ]) {
    expect(spelled).toContain(expected);
  }
  return routes;
}

async function countAccounts(): Promise<number> {
  const rows = await testApp.context.db.selectFrom('accounts').select('id').execute();
  return rows.length;
}
