// Regression (issue 7, point 11): `limit` on every listing is an integer from 1 to 500 (default
// 100), checked as text. Before, "1.5" was a 200 on PostgreSQL and a 500 on SQLite, and the
// other bad values were 400s that named no parameter ("Invalid property: Expected number").
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';

let testApp: TestApp;
let accountId: string;
let key: string;

beforeAll(async () => {
  testApp = await createTestApp();
  ({ accountId, key } = await createAccountWithKey(testApp));
});
afterAll(async () => {
  await testApp?.close();
});

const LISTINGS: [string, (query: string) => Promise<Response>][] = [
  ['GET /admin/accounts', (query) => testApp.admin('GET', `/admin/accounts?${query}`)],
  ['GET /admin/accounts/:id/ledger', (query) => testApp.admin('GET', `/admin/accounts/${accountId}/ledger?${query}`)],
  ['GET /console/ledger', (query) => testApp.request('GET', `/console/ledger?${query}`, { token: key })],
];
const BAD_LIMITS = ['1.5', 'Infinity', '-Infinity', 'NaN', '%20', '', '99999999999999999999', '-1', '0', '501', '1000000', '1e2', '0x10', '010', 'abc'];

describe.each(LISTINGS)('%s', (_route, list) => {
  test.each(BAD_LIMITS)('limit=%s is 400 naming limit', async (limit) => {
    const response = await list(`limit=${limit}`);
    expect(response.status).toBe(400);
    const { error } = await readJson(response);
    expect(error).toEqual({
      message: 'query parameter limit must be an integer from 1 to 500.',
      type: 'invalid_request_error',
      param: 'limit',
      code: 'invalid_request',
    });
  });

  test('limit=1 and limit=500 are accepted and bound the page', async () => {
    const one = await list('limit=1');
    expect(one.status).toBe(200);
    expect((await readJson(one)).data).toHaveLength(1);
    expect((await list('limit=500')).status).toBe(200);
    expect((await list('')).status).toBe(200);
  });
});

test('a ledger cursor that was not given out is 400 naming cursor', async () => {
  for (const cursor of ['nonsense', 'bm90LWEtY3Vyc29y', '%00', 'a b']) {
    const response = await testApp.admin('GET', `/admin/accounts/${accountId}/ledger?cursor=${cursor}`);
    expect(response.status).toBe(400);
    expect((await readJson(response)).error.param).toBe('cursor');
  }
});
