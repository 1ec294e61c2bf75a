// Acceptance (issue 14): every /admin route in the app's route table refuses every credential but
// an admin token (none, a wrong one, an account's own API key, the admin token in another
// scheme or padded, a named admin token whose variable was unset) with 401 in OpenAI's error
// JSON, and changes nothing: the ids in the paths and bodies are real, so a route that forgot
// its check would write.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';
import { ADMIN_TOKEN } from '../support/env';
import { fillPath, sampleBody, snapshotRows, tableRoutes } from './route-table';

// Each sets up whole apps (and sends a request per route per credential): 5 s is tight on a loaded machine.
setDefaultTimeout(30_000);

const TABLES = ['accounts', 'api_keys', 'wallets', 'grants', 'ledger_transactions', 'ledger_entries', 'deployments', 'coupons', 'refunds', 'admin_audit_log'];
const UNSET_ADMIN = 'carol-token-0123456789abcdef';
let testApp: TestApp;
let ids: Record<string, string>;
let apiKey: string;

beforeAll(async () => {
  // carol's variable is not in the environment: her token was revoked by unsetting it.
  testApp = await createTestApp({ deployments: { allow_private_targets: true }, admin: { tokens: { carol: 'TEST_ADMIN_CAROL_UNSET' } } });
  const victim = await createAccountWithKey(testApp);
  apiKey = victim.key;
  const deployment = await readJson(await testApp.admin('POST', '/admin/deployments', { account_id: victim.accountId, model: 'm', instance_type: 'gpu-s', upstream_url: 'http://127.0.0.1:9' }));
  const coupon = await readJson(await testApp.admin('POST', '/admin/coupons', { code: 'SPRING-2026', amount: '5' }));
  ids = { account: victim.accountId, key: victim.keyId, deployment: deployment.id, coupon: coupon.code };
}, 30_000);
afterAll(async () => {
  await testApp?.close();
}, 30_000);

/** The real object a path parameter or body field names, by the route it is in. */
function idFor(path: string, name: string): string | null {
  if (name === 'code') return ids.coupon!;
  if (name === 'account_id') return ids.account!;
  if (name !== 'id') return null;
  if (path.startsWith('/admin/keys')) return ids.key!;
  if (path.startsWith('/admin/deployments')) return ids.deployment!;
  if (path.startsWith('/admin/refunds')) return 'rfd_does_not_matter';
  return ids.account!;
}

const CREDENTIALS: [string, () => string | null][] = [
  ['no token', () => null],
  ['a wrong token', () => 'Bearer wrong-token-0123456789'],
  ["an account's API key", () => `Bearer ${apiKey}`],
  ['the admin token as Basic', () => `Basic ${ADMIN_TOKEN}`],
  ['the admin token with a suffix', () => `Bearer ${ADMIN_TOKEN}x`],
  ['the admin token, truncated', () => `Bearer ${ADMIN_TOKEN.slice(0, -1)}`],
  ['a named admin token whose variable is unset', () => `Bearer ${UNSET_ADMIN}`],
];

describe('admin routes refuse every non-admin credential', () => {
  test('the route table has the admin routes this test is about', () => {
    const routes = tableRoutes(testApp, '/admin');
    expect(routes.length).toBeGreaterThanOrEqual(25);
    expect(routes.map((route) => `${route.method} ${route.path}`)).toContain('GET /admin/audit');
  });

  test.each(CREDENTIALS)('%s: 401 on every admin route, nothing written', async (_label, authorization) => {
    const before = await snapshotRows(testApp.context.db, TABLES);
    const answers: string[] = [];
    for (const route of tableRoutes(testApp, '/admin')) {
      const path = fillPath(route, (name) => idFor(route.path, name)!);
      const body = sampleBody(route.body, (field) => idFor(route.path, field));
      const headers: Record<string, string> = {};
      const value = authorization();
      if (value !== null) headers.authorization = value;
      const response = await testApp.request(route.method, path, { body, headers });
      const json = (await response.json().catch(() => null)) as { error?: { type?: string } } | null;
      answers.push(`${route.method} ${path} ${response.status} ${json?.error?.type}`);
      expect({ route: `${route.method} ${route.path}`, status: response.status, type: json?.error?.type }).toEqual({ route: `${route.method} ${route.path}`, status: 401, type: 'authentication_error' });
    }
    expect(await snapshotRows(testApp.context.db, TABLES)).toBe(before);
    expect(answers.length).toBeGreaterThanOrEqual(25);
  });

  test('the same requests with the admin token do reach the routes (the ids and bodies are real)', async () => {
    const reached: string[] = [];
    for (const route of tableRoutes(testApp, '/admin').filter((candidate) => candidate.method === 'GET')) {
      const response = await testApp.admin('GET', fillPath(route, (name) => idFor(route.path, name)!));
      if (response.status === 200) reached.push(route.path);
    }
    expect(reached).toEqual(expect.arrayContaining(['/admin/accounts/:id', '/admin/deployments/:id', '/admin/accounts/:id/wallet', '/admin/audit']));
  });
});
