// Acceptance (issue 14): the key of account A never reads or spends account B on any /console
// route of the app's route table. Every route is called with A's key, B's object ids in its path
// parameters, in every *_id body field and as ?account_id=: no answer names any of B's ids, the
// path-parameter routes answer 404, and B's rows are exactly as before.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';
import { fillPath, sampleBody, snapshotRows, tableRoutes } from './route-table';

// Each sets up whole apps (and sends a request per route per credential): 5 s is tight on a loaded machine.
setDefaultTimeout(30_000);

const TABLES = ['accounts', 'api_keys', 'wallets', 'grants', 'ledger_transactions', 'ledger_entries', 'deployments', 'alert_settings', 'auto_refill_settings', 'refunds', 'purchases', 'coupon_redemptions', 'usage_records'];
// The console page and its assets are public files, not account routes.
const PUBLIC = new Set(['/console', '/console/assets/:file']);
let testApp: TestApp;
let a: { accountId: string; key: string };
let b: { accountId: string; keyId: string; key: string; deploymentId: string; grantId: string };

beforeAll(async () => {
  testApp = await createTestApp({ deployments: { allow_private_targets: true } });
  a = await createAccountWithKey(testApp);
  const bAccount = await createAccountWithKey(testApp);
  const granted = await readJson(await testApp.admin('POST', `/admin/accounts/${bAccount.accountId}/credits`, { amount: '50', kind: 'paid' }));
  const deployment = await readJson(await testApp.admin('POST', '/admin/deployments', { account_id: bAccount.accountId, model: 'b-model', instance_type: 'gpu-s', upstream_url: 'http://127.0.0.1:9' }));
  expect((await testApp.request('PUT', '/console/alerts', { token: bAccount.key, body: { webhook_url: 'https://example.com/b-hook', low_balance_threshold: '3' } })).status).toBe(200);
  // A has objects of its own too, so its listings are not empty by accident.
  await testApp.admin('POST', '/admin/deployments', { account_id: a.accountId, model: 'a-model', instance_type: 'gpu-s', upstream_url: 'http://127.0.0.1:9' });
  b = { ...bAccount, deploymentId: deployment.id, grantId: granted.grant_id };
}, 30_000);
afterAll(async () => {
  await testApp?.close();
}, 30_000);

// B's ids, and what only B's rows hold (its deployment's model, its webhook URL).
const bSecrets = () => [b.accountId, b.keyId, b.deploymentId, b.grantId, b.key, 'b-model', 'b-hook'];

function bIdFor(name: string): string | null {
  if (name === 'id' || name === 'deployment_id') return b.deploymentId;
  if (name === 'account_id') return b.accountId;
  if (name === 'grant_id') return b.grantId;
  if (name === 'key_id') return b.keyId;
  return null;
}

describe("A's key on every console route, aimed at B", () => {
  test('the route table has the console routes this test is about', () => {
    const routes = tableRoutes(testApp, '/console').filter((route) => !PUBLIC.has(route.path));
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(routes.some((route) => route.params.length > 0)).toBe(true);
  });

  test("no answer names B's objects, B's ids in paths are 404, and B is unchanged", async () => {
    const before = await snapshotRows(testApp.context.db, TABLES, b.accountId);
    const routes = tableRoutes(testApp, '/console').filter((route) => !PUBLIC.has(route.path));
    const tried: string[] = [];
    for (const route of routes) {
      const path = fillPath(route, (name) => bIdFor(name) ?? b.deploymentId);
      const body = sampleBody(route.body, bIdFor);
      for (const url of [path, `${path}?account_id=${b.accountId}`]) {
        const response = await testApp.request(route.method, url, { token: a.key, body });
        const text = await response.text();
        tried.push(`${route.method} ${url} ${response.status}`);
        // A 404 may repeat the id the request named; it must not add anything of B's.
        const sent = url + JSON.stringify(body ?? null);
        for (const secret of bSecrets().filter((item) => !sent.includes(item))) expect({ url, secret, leaked: text.includes(secret) }).toEqual({ url, secret, leaked: false });
        if (route.params.length > 0) expect({ url, status: response.status }).toEqual({ url, status: 404 });
      }
    }
    expect(await snapshotRows(testApp.context.db, TABLES, b.accountId)).toBe(before);
    expect(tried.length).toBe(routes.length * 2);
  });

  test("B's own key does see B's deployment on the same routes (the ids are real)", async () => {
    const response = await testApp.request('GET', `/console/deployments/${b.deploymentId}`, { token: b.key });
    expect(response.status).toBe(200);
    expect((await readJson(response)).id).toBe(b.deploymentId);
    const wallet = await testApp.request('GET', '/console/wallet', { token: b.key });
    expect(await wallet.text()).toContain('50');
  });
});
