import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp({ wallet: { trial_credits: 20, trial_expires_days: 30 } });
});
afterAll(() => testApp.close());

describe('wallet and ledger routes', () => {
  test('a new account gets 20 trial credits as an expiring promo grant', async () => {
    const { accountId, key } = await createAccountWithKey(testApp);
    const wallet = await readJson(await testApp.request('GET', '/console/wallet', { token: key }));
    expect(wallet).toEqual({ object: 'wallet', account_id: accountId, balance: '20.000000', paid: '0.000000', promo: '20.000000', reserved: '0.000000', available: '20.000000' });
    const grant = await testApp.context.db.selectFrom('grants').selectAll().where('account_id', '=', accountId).executeTakeFirstOrThrow();
    expect(grant.source).toBe('trial');
    const days = (Number(grant.expires_at_ms) - Number(grant.created_at_ms)) / 86_400_000;
    expect(days).toBe(30);
  });

  test('admin grants paid credit once per idempotency key; the ledger lists it', async () => {
    const { accountId, key } = await createAccountWithKey(testApp);
    const grant = (body: Record<string, unknown>) => testApp.admin('POST', `/admin/accounts/${accountId}/credits`, body);
    const first = await grant({ amount: '12.5', kind: 'paid', note: 'invoice 7', idempotency_key: 'inv-7' });
    expect(first.status).toBe(200);
    const again = await readJson(await grant({ amount: '12.5', kind: 'paid', note: 'invoice 7', idempotency_key: 'inv-7' }));
    expect(again.replayed).toBe(true);
    expect(again.wallet.paid).toBe('12.500000');
    const conflict = await grant({ amount: '13', kind: 'paid', idempotency_key: 'inv-7' });
    expect(conflict.status).toBe(409);
    expect((await readJson(conflict)).error.code).toBe('idempotency_conflict');
    const ledger = await readJson(await testApp.request('GET', '/console/ledger', { token: key }));
    expect(ledger.data.map((line: { kind: string; balance_change: string }) => [line.kind, line.balance_change]).sort()).toEqual([['grant', '12.500000'], ['grant', '20.000000']]);
    const adminLedger = await readJson(await testApp.admin('GET', `/admin/accounts/${accountId}/ledger`));
    expect(adminLedger.data).toHaveLength(2);
  });

  test('bad amounts are refused and write nothing', async () => {
    const { accountId } = await createAccountWithKey(testApp);
    for (const amount of ['-1', '0', '1.1234567', 'ten', '']) {
      const response = await testApp.admin('POST', `/admin/accounts/${accountId}/credits`, { amount, kind: 'paid' });
      expect(response.status).toBe(400);
      expect((await readJson(response)).error.param).toBe('amount');
    }
    const wrongKind = await testApp.admin('POST', `/admin/accounts/${accountId}/credits`, { amount: '1', kind: 'gift' });
    expect(wrongKind.status).toBe(400);
    const missing = await testApp.admin('POST', '/admin/accounts/acct_missing/credits', { amount: '1', kind: 'paid' });
    expect(missing.status).toBe(404);
    const count = await testApp.context.db.selectFrom('ledger_transactions').select((eb) => eb.fn.countAll().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1); // the trial grant only
  });

  test("the console refuses a bad key with 401", async () => {
    const response = await testApp.request('GET', '/console/wallet', { token: 'ipk_nope' });
    expect(response.status).toBe(401);
    expect((await readJson(response)).error.code).toBe('invalid_api_key');
  });
});
