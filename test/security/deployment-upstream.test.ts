// Acceptance (issue 14): a deployment's upstream_url (where the gateway sends an account's
// requests) passes the guard alert webhooks pass (src/shared/outbound-target.ts): loopback,
// link-local and private addresses, literal or resolved, are a 400 that creates nothing, unless
// [deployments] allow_private_targets is set.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';

// Each sets up whole apps (and sends a request per route per credential): 5 s is tight on a loaded machine.
setDefaultTimeout(30_000);

let guarded: TestApp;
let allowing: TestApp;

beforeAll(async () => {
  guarded = await createTestApp();
  allowing = await createTestApp({ deployments: { allow_private_targets: true } });
}, 30_000);
afterAll(async () => {
  await guarded?.close();
  await allowing?.close();
}, 30_000);

const start = (testApp: TestApp, accountId: string, upstreamUrl: string) =>
  testApp.admin('POST', '/admin/deployments', { account_id: accountId, model: `m-${Math.random()}`, instance_type: 'gpu-s', upstream_url: upstreamUrl });

describe('deployment upstream URLs', () => {
  test.each([
    'http://127.0.0.1:8000',
    'http://localhost:8000/v1',
    'http://169.254.169.254/latest',
    'http://10.1.2.3',
    'http://192.168.0.10:8080',
    'http://[::1]:8000',
    'http://[::ffff:127.0.0.1]',
    'http://[fd00::1]',
    'http://0.0.0.0:8000',
    'http://name.invalid',
  ])('%s is refused with 400 and nothing is started or charged', async (url) => {
    const { accountId } = await createAccountWithKey(guarded);
    const walletBefore = await readJson(await guarded.admin('GET', `/admin/accounts/${accountId}/wallet`));
    const response = await start(guarded, accountId, url);
    expect(response.status).toBe(400);
    const body = await readJson(response);
    expect(body.error).toMatchObject({ param: 'upstream_url', code: 'invalid_request' });
    expect(body.error.message).toContain('allow_private_targets');
    expect((await readJson(await guarded.admin('GET', `/admin/deployments?account_id=${accountId}`))).data).toEqual([]);
    expect(await readJson(await guarded.admin('GET', `/admin/accounts/${accountId}/wallet`))).toEqual(walletBefore);
  });

  test('a public address passes the guard', async () => {
    const { accountId } = await createAccountWithKey(guarded);
    const response = await start(guarded, accountId, 'http://93.184.215.14:8000');
    expect(response.status).toBe(201);
    const deployment = await readJson(response);
    expect((await guarded.admin('POST', `/admin/deployments/${deployment.id}/stop`)).status).toBe(200);
  });

  test('with allow_private_targets an operator may point a deployment at its own network', async () => {
    const { accountId } = await createAccountWithKey(allowing);
    const response = await start(allowing, accountId, 'http://127.0.0.1:8000');
    expect(response.status).toBe(201);
  });
});
