// Regression (issue 7, point 14): closing an account is final. Before, there was no way to close
// one, and unsuspend turned a closed account back to active. A closed account's keys get 403
// account_closed; its ledger stays readable by the admin. Also: a key whose expires_at has
// already passed is refused (it was created, and could only ever answer 401).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';

let testApp: TestApp;

beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => {
  await testApp?.close();
});

const statusOf = async (accountId: string) => (await readJson(await testApp.admin('GET', `/admin/accounts/${accountId}`))).status;
const countKeys = async () => (await testApp.context.db.selectFrom('api_keys').select('id').execute()).length;

describe('closing an account', () => {
  test('close refuses its keys, keeps its ledger, and cannot be undone', async () => {
    const { accountId, key } = await createAccountWithKey(testApp);
    expect((await testApp.request('GET', '/console/wallet', { token: key })).status).toBe(200);
    const ledgerBefore = await readJson(await testApp.admin('GET', `/admin/accounts/${accountId}/ledger`));
    expect(ledgerBefore.data.length).toBeGreaterThan(0);

    const closed = await testApp.admin('POST', `/admin/accounts/${accountId}/close`);
    expect(closed.status).toBe(200);
    expect(await readJson(closed)).toMatchObject({ id: accountId, status: 'closed' });

    const refused = await testApp.request('GET', '/console/wallet', { token: key });
    expect(refused.status).toBe(403);
    expect((await readJson(refused)).error.code).toBe('account_closed');

    for (const action of ['unsuspend', 'suspend']) {
      const response = await testApp.admin('POST', `/admin/accounts/${accountId}/${action}`);
      expect(response.status).toBe(409);
      expect((await readJson(response)).error).toMatchObject({ code: 'conflict', param: 'id', type: 'invalid_request_error' });
      expect(await statusOf(accountId)).toBe('closed');
    }
    expect((await testApp.request('GET', '/console/ledger', { token: key })).status).toBe(403);

    // Closing again changes nothing; the admin still reads the wallet and the same ledger.
    expect((await testApp.admin('POST', `/admin/accounts/${accountId}/close`)).status).toBe(200);
    expect(await readJson(await testApp.admin('GET', `/admin/accounts/${accountId}/ledger`))).toEqual(ledgerBefore);
    expect((await testApp.admin('GET', `/admin/accounts/${accountId}/wallet`)).status).toBe(200);
  });

  test('a suspended account can be closed, and then stays closed', async () => {
    const { accountId } = await createAccountWithKey(testApp);
    expect((await testApp.admin('POST', `/admin/accounts/${accountId}/suspend`)).status).toBe(200);
    expect((await testApp.admin('POST', `/admin/accounts/${accountId}/close`)).status).toBe(200);
    expect((await testApp.admin('POST', `/admin/accounts/${accountId}/unsuspend`)).status).toBe(409);
    expect(await statusOf(accountId)).toBe('closed');
  });

  test('a closed account gets no new keys', async () => {
    const { accountId } = await createAccountWithKey(testApp);
    await testApp.admin('POST', `/admin/accounts/${accountId}/close`);
    const before = await countKeys();
    const response = await testApp.admin('POST', `/admin/accounts/${accountId}/keys`, { billing: 'credits' });
    expect(response.status).toBe(409);
    expect((await readJson(response)).error.code).toBe('conflict');
    expect(await countKeys()).toBe(before);
  });

  test('closing an unknown account is 404', async () => {
    expect((await testApp.admin('POST', '/admin/accounts/acct_missing/close')).status).toBe(404);
  });
});

describe('key expiry at creation', () => {
  test('a key whose expires_at is past (or now) is 400 naming expires_at and is not created', async () => {
    const { accountId } = await createAccountWithKey(testApp);
    const before = await countKeys();
    for (const expiresAt of [new Date(Date.now() - 60_000).toISOString(), '2001-01-01T00:00:00Z']) {
      const response = await testApp.admin('POST', `/admin/accounts/${accountId}/keys`, { billing: 'credits', expires_at: expiresAt });
      expect(response.status).toBe(400);
      expect((await readJson(response)).error).toMatchObject({ code: 'invalid_request', param: 'expires_at', message: 'expires_at must be in the future' });
    }
    expect(await countKeys()).toBe(before);
    const future = await testApp.admin('POST', `/admin/accounts/${accountId}/keys`, { billing: 'credits', expires_at: new Date(Date.now() + 60_000).toISOString() });
    expect(future.status).toBe(201);
  });
});
