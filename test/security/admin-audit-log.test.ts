// Acceptance (issue 14): named admin tokens, each admin write in GET /admin/audit under the name
// of the credential that made it (never its token), paged newest first; unsetting one token's
// variable shuts out that admin alone.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { buildApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import { createTestApp, readJson, type TestApp } from '../support/app';
import { ADMIN_TOKEN } from '../support/env';

// Each sets up whole apps (and sends a request per route per credential): 5 s is tight on a loaded machine.
setDefaultTimeout(30_000);

const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef';
const RAW = { plans: { pro: {} }, deployments: { allow_private_targets: true }, admin: { tokens: { alice: 'TEST_ADMIN_ALICE', bob: 'TEST_ADMIN_BOB' } } };
let testApp: TestApp;

beforeAll(async () => {
  testApp = await createTestApp(RAW, { TEST_ADMIN_ALICE: ALICE, TEST_ADMIN_BOB: BOB });
}, 30_000);
afterAll(async () => {
  await testApp?.close();
}, 30_000);

const as = (token: string, method: string, path: string, body?: unknown) => testApp.request(method, path, { token, body });

describe('admin audit log', () => {
  test('each write is recorded with the name of its admin credential, and reads are not', async () => {
    const account = await readJson(await as(ALICE, 'POST', '/admin/accounts', { name: 'Audited' }));
    expect((await as(ALICE, 'POST', `/admin/accounts/${account.id}/credits`, { amount: '12.5', kind: 'paid', note: 'goodwill' })).status).toBe(200);
    expect((await as(BOB, 'PUT', `/admin/accounts/${account.id}/plan`, { plan: 'pro' })).status).toBe(200);
    const created = await readJson(await as(BOB, 'POST', `/admin/accounts/${account.id}/keys`, { billing: 'credits' }));
    expect((await as(ADMIN_TOKEN, 'DELETE', `/admin/keys/${created.id}`)).status).toBe(200);
    expect((await as(ALICE, 'POST', `/admin/accounts/${account.id}/suspend`)).status).toBe(200);
    expect((await as(BOB, 'POST', `/admin/accounts/${account.id}/close`)).status).toBe(200);
    // Reads and refused writes are not writes.
    expect((await as(ALICE, 'GET', `/admin/accounts/${account.id}/wallet`)).status).toBe(200);
    expect((await as(ALICE, 'POST', `/admin/accounts/${account.id}/credits`, { amount: '-1', kind: 'paid' })).status).toBe(400);

    const response = await as(BOB, 'GET', '/admin/audit');
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const secret of [ALICE, BOB, ADMIN_TOKEN, created.key]) expect(text).not.toContain(secret);
    const { data } = JSON.parse(text);
    const mine = data.filter((entry: any) => entry.target_id === account.id || entry.target_id === created.id);
    expect(mine.map((entry: any) => [entry.admin, entry.method, entry.route])).toEqual([
      ['bob', 'POST', '/admin/accounts/:id/close'],
      ['alice', 'POST', '/admin/accounts/:id/suspend'],
      ['admin', 'DELETE', '/admin/keys/:id'],
      ['bob', 'POST', '/admin/accounts/:id/keys'],
      ['bob', 'PUT', '/admin/accounts/:id/plan'],
      ['alice', 'POST', '/admin/accounts/:id/credits'],
      ['alice', 'POST', '/admin/accounts'],
    ]);
    const grant = mine.find((entry: any) => entry.route === '/admin/accounts/:id/credits');
    expect(grant.detail.body).toEqual({ amount: '12.5', kind: 'paid', note: 'goodwill' });
    expect(grant.path).toBe(`/admin/accounts/${account.id}/credits`);
    expect(grant.status).toBe(200);
    expect(Date.parse(grant.created_at)).toBeGreaterThan(0);
    // The key write names the key it created, not the key's secret.
    expect(mine.find((entry: any) => entry.route === '/admin/accounts/:id/keys').detail.result_id).toBe(created.id);
  });

  test('coupons and deployments started and stopped by an admin are recorded too', async () => {
    const account = await readJson(await as(BOB, 'POST', '/admin/accounts', { name: 'Deployer' }));
    const deployment = await readJson(await as(ALICE, 'POST', '/admin/deployments', { account_id: account.id, model: 'm', instance_type: 'gpu-s', upstream_url: 'http://127.0.0.1:9' }));
    expect((await as(BOB, 'POST', `/admin/deployments/${deployment.id}/stop`)).status).toBe(200);
    expect((await as(ALICE, 'POST', '/admin/coupons', { code: 'AUDIT-ME', amount: '3' })).status).toBe(201);
    expect((await as(ALICE, 'POST', '/admin/coupons/AUDIT-ME/disable')).status).toBe(200);
    const { data } = await readJson(await as(ALICE, 'GET', '/admin/audit?limit=4'));
    expect(data.map((entry: any) => [entry.admin, entry.route, entry.target_id])).toEqual([
      ['alice', '/admin/coupons/:code/disable', 'AUDIT-ME'],
      ['alice', '/admin/coupons', 'AUDIT-ME'],
      ['bob', '/admin/deployments/:id/stop', deployment.id],
      ['alice', '/admin/deployments', deployment.id],
    ]);
    expect(data[3].detail.body).toMatchObject({ account_id: account.id, upstream_url: 'http://127.0.0.1:9' });
    expect(data[1].detail.body).toMatchObject({ code: 'AUDIT-ME', amount: '3' });
  });

  test('pages newest first with before=, filters by admin, and checks its query', async () => {
    const all = (await readJson(await as(ALICE, 'GET', '/admin/audit?limit=500'))).data;
    expect(all.length).toBeGreaterThanOrEqual(7);
    const first = (await readJson(await as(ALICE, 'GET', '/admin/audit?limit=3'))).data;
    const second = (await readJson(await as(ALICE, 'GET', `/admin/audit?limit=3&before=${first[2].id}`))).data;
    expect([...first, ...second].map((entry: any) => entry.id)).toEqual(all.slice(0, 6).map((entry: any) => entry.id));
    const bobs = (await readJson(await as(ALICE, 'GET', '/admin/audit?admin=bob'))).data;
    expect(bobs.length).toBe(5);
    expect(bobs.every((entry: any) => entry.admin === 'bob')).toBe(true);
    expect((await as(ALICE, 'GET', '/admin/audit?limit=0')).status).toBe(400);
    // Found by the fuzz: a NUL in ?admin= reached PostgreSQL as a 500.
    for (const query of ['admin=%00', 'before=adm_%00']) expect((await as(ALICE, 'GET', `/admin/audit?${query}`)).status).toBe(400);
  });

  test("unsetting one admin's variable refuses that admin only", async () => {
    const config = parseConfig({ ...RAW, server: { data_dir: testApp.database.dataDir } }, { ...process.env, ...databaseEnv(), TEST_ADMIN_ALICE: ALICE });
    expect(config.adminTokens.map((token) => token.name)).toEqual(['alice']);
    const app = buildApp({ ...testApp.context, config });
    const before = (await readJson(await as(ALICE, 'GET', '/admin/audit?limit=500'))).data.length;
    const call = (token: string) => app.handle(new Request('http://localhost/admin/accounts', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"name":"x"}' }));
    expect((await call(BOB)).status).toBe(401);
    expect((await call(ALICE)).status).toBe(201);
    expect((await readJson(await as(ALICE, 'GET', '/admin/audit?limit=500'))).data.length).toBe(before + 1);
  });

  test('config: both spellings of [admin] tokens, and the mistakes they refuse', () => {
    const env = { A: 'token-a', B: 'token-b' };
    expect(parseConfig({ admin: { tokens: [{ name: 'a', env: 'A' }, { name: 'b', env: 'B' }] } }, env).adminTokens.map((token) => token.name)).toEqual(['a', 'b']);
    expect(() => parseConfig({ admin: { tokens: { a: 'A', b: 'A' } } }, env)).toThrow('same token');
    expect(() => parseConfig({ admin: { tokens: { admin: 'A' } } }, env)).toThrow('INFERPORT_ADMIN_TOKEN');
    expect(() => parseConfig({ admin: { tokens: { a: 'not a var' } } }, env)).toThrow('admin.tokens.a');
    expect(() => parseConfig({ admin: { tokens: [{ name: 'a', variable: 'A' }] } }, env)).toThrow('admin.tokens[0]');
    expect(() => parseConfig({ admin: { token: 'x' } }, env)).toThrow('admin.token');
  });
});

function databaseEnv(): Record<string, string> {
  return testApp.database.url ? { DATABASE_URL: testApp.database.url } : {};
}
