// Acceptance: the admin API creates, reads, lists, suspends and re-plans accounts.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createTestApp, type TestApp } from '../support/app';

let testApp: TestApp;

beforeAll(async () => {
  testApp = await createTestApp({ plans: { pro: {} } });
});
afterAll(async () => {
  await testApp?.close();
});

async function createAccount(body: Record<string, unknown>) {
  const response = await testApp.admin('POST', '/admin/accounts', body);
  expect(response.status).toBe(201);
  return (await response.json()) as Record<string, unknown> & { id: string };
}

/** OpenAI's error JSON: exactly these four fields, a readable message, param a string or null. */
function expectErrorShape(body: unknown, code: string) {
  const error = (body as { error: Record<string, unknown> }).error;
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(error.code).toBe(code);
  expect(error.message).toBeString();
  expect((error.message as string).length).toBeGreaterThan(0);
  expect(error.type).toBeString();
  expect(error.param === null || typeof error.param === 'string').toBe(true);
}

describe('admin accounts', () => {
  test('creates an account and a key, and reads them back', async () => {
    const account = await createAccount({ name: 'Acme', email: 'ops@acme.test' });
    expect(account).toMatchObject({ object: 'account', name: 'Acme', email: 'ops@acme.test', status: 'active', plan: null });
    expect(account.id).toStartWith('acct_');

    const got = await testApp.admin('GET', `/admin/accounts/${account.id}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(account);

    const created = await testApp.admin('POST', `/admin/accounts/${account.id}/keys`, { name: 'ci', billing: 'credits' });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { id: string; key: string; account_id: string };
    expect(key.key).toStartWith('ipk_');
    expect(key.account_id).toBe(account.id);

    const listed = await testApp.admin('GET', `/admin/accounts/${account.id}/keys`);
    expect(listed.status).toBe(200);
    const { data } = (await listed.json()) as { data: { id: string }[] };
    expect(data.map((item) => item.id)).toEqual([key.id]);
  });

  test('lists accounts with a page size and a cursor', async () => {
    const ids = [(await createAccount({ name: 'L1' })).id, (await createAccount({ name: 'L2' })).id];
    const all = (await (await testApp.admin('GET', '/admin/accounts')).json()) as { object: string; data: { id: string }[] };
    expect(all.object).toBe('list');
    const allIds = all.data.map((item) => item.id);
    expect(allIds).toEqual(expect.arrayContaining(ids));
    expect(allIds).toEqual([...allIds].sort());

    const first = (await (await testApp.admin('GET', '/admin/accounts?limit=1')).json()) as { data: { id: string }[] };
    expect(first.data.map((item) => item.id)).toEqual([allIds[0]!]);
    const next = (await (await testApp.admin('GET', `/admin/accounts?limit=1&after=${allIds[0]}`)).json()) as { data: { id: string }[] };
    expect(next.data.map((item) => item.id)).toEqual([allIds[1]!]);
  });

  test('an unknown account is a 404 in the OpenAI error shape', async () => {
    const response = await testApp.admin('GET', '/admin/accounts/acct_missing');
    expect(response.status).toBe(404);
    expectErrorShape(await response.json(), 'not_found');
  });

  test('suspends and unsuspends, and the change is stored', async () => {
    const { id } = await createAccount({ name: 'Suspendable' });
    const suspended = await testApp.admin('POST', `/admin/accounts/${id}/suspend`);
    expect(suspended.status).toBe(200);
    expect(await suspended.json()).toMatchObject({ id, status: 'suspended' });
    expect(await (await testApp.admin('GET', `/admin/accounts/${id}`)).json()).toMatchObject({ status: 'suspended' });

    const unsuspended = await testApp.admin('POST', `/admin/accounts/${id}/unsuspend`);
    expect(unsuspended.status).toBe(200);
    expect(await (await testApp.admin('GET', `/admin/accounts/${id}`)).json()).toMatchObject({ status: 'active' });

    const missing = await testApp.admin('POST', '/admin/accounts/acct_missing/suspend');
    expect(missing.status).toBe(404);
  });

  test('sets a configured plan, clears it, and refuses an unknown one', async () => {
    const { id } = await createAccount({ name: 'Planned' });
    const set = await testApp.admin('PUT', `/admin/accounts/${id}/plan`, { plan: 'pro' });
    expect(set.status).toBe(200);
    expect(await (await testApp.admin('GET', `/admin/accounts/${id}`)).json()).toMatchObject({ plan: 'pro' });

    const unknown = await testApp.admin('PUT', `/admin/accounts/${id}/plan`, { plan: 'enterprise' });
    expect(unknown.status).toBe(400);
    const body = (await unknown.json()) as { error: { param: string; code: string } };
    expectErrorShape(body, 'invalid_request');
    expect(body.error.param).toBe('plan');
    expect(await (await testApp.admin('GET', `/admin/accounts/${id}`)).json()).toMatchObject({ plan: 'pro' });

    const cleared = await testApp.admin('PUT', `/admin/accounts/${id}/plan`, { plan: null });
    expect(cleared.status).toBe(200);
    expect(await (await testApp.admin('GET', `/admin/accounts/${id}`)).json()).toMatchObject({ plan: null });
  });

  test('creating an account with an unknown plan is a 400 and writes nothing', async () => {
    const before = await countAccounts();
    const response = await testApp.admin('POST', '/admin/accounts', { name: 'Bad plan', plan: 'enterprise' });
    expect(response.status).toBe(400);
    expectErrorShape(await response.json(), 'invalid_request');
    expect(await countAccounts()).toBe(before);
  });
});

async function countAccounts(): Promise<number> {
  const rows = await testApp.context.db.selectFrom('accounts').select('id').execute();
  return rows.length;
}
