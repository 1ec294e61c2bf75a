// GET /console/pricing (issue 12): the live prices the key's account pays, from the running
// configuration: per model the key may use, per instance type, and the packs.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createAccountWithKey, createTestApp, type TestApp } from '../support/app';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp({
    upstreams: [{ name: 'local', url: 'http://127.0.0.1:9/v1', models: ['small', 'large', 'tiny'] }],
    prices: { default: { input_per_million: '0.5', output_per_million: '1.5' }, large: { input_per_million: '2', output_per_million: '6.25', max_output_tokens: 8192 } },
    instance_types: { 'gpu-m': { per_hour: '2.250000' }, 'gpu-xl': { per_hour: '7.000000' } },
    wallet: { packs: [5, 20], credits_per_usd: 2 },
    plans: { starter: { requests_per_minute: 10, models: ['small'] } },
  });
});
afterAll(() => testApp.close());

async function pricing(key: string) {
  const response = await testApp.request('GET', '/console/pricing', { token: key });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, any>;
}

describe('GET /console/pricing', () => {
  test('per model at the price it is charged, the default, instance types and packs', async () => {
    const { key } = await createAccountWithKey(testApp);
    const body = await pricing(key);
    expect(body.object).toBe('pricing');
    expect(body.billing).toBe('credits');
    expect(body.models.map((entry: { model: string }) => entry.model)).toEqual(['large', 'small', 'tiny']);
    expect(body.models[0]).toEqual({ model: 'large', input_per_million: '2.000000', output_per_million: '6.250000', image: '0.020000', audio_second: '0.010000', video_second: '0.010000', max_output_tokens: 8192 });
    expect(body.models[1]).toMatchObject({ model: 'small', input_per_million: '0.500000', output_per_million: '1.500000', max_output_tokens: 4096 });
    expect(body.default).toMatchObject({ input_per_million: '0.500000', output_per_million: '1.500000' });
    expect(body.instance_types).toEqual([
      { name: 'gpu-l', per_hour: '3.500000' },
      { name: 'gpu-m', per_hour: '2.250000' },
      { name: 'gpu-s', per_hour: '0.600000' },
      { name: 'gpu-xl', per_hour: '7.000000' },
    ]);
    expect(body.packs.packs).toEqual([{ amount_usd: '5.00', credits: '10.000000' }, { amount_usd: '20.00', credits: '40.000000' }]);
  });

  test("only the models the key may use: its own list, its account's, and a plan key's plan", async () => {
    const own = await createAccountWithKey(testApp, { billing: 'credits', models: ['tiny', 'large'] });
    expect((await pricing(own.key)).models.map((entry: { model: string }) => entry.model)).toEqual(['large', 'tiny']);

    const narrowed = await createAccountWithKey(testApp);
    expect((await testApp.admin('PUT', `/admin/accounts/${narrowed.accountId}/models`, { models: ['small'] })).status).toBe(200);
    expect((await pricing(narrowed.key)).models.map((entry: { model: string }) => entry.model)).toEqual(['small']);

    const account = await testApp.admin('POST', '/admin/accounts', { name: 'plan account', plan: 'starter' });
    const { id: accountId } = (await account.json()) as { id: string };
    const planKey = await testApp.admin('POST', `/admin/accounts/${accountId}/keys`, { billing: 'plan' });
    const { key } = (await planKey.json()) as { key: string };
    const body = await pricing(key);
    expect(body.billing).toBe('plan');
    expect(body.models.map((entry: { model: string }) => entry.model)).toEqual(['small']);
  });

  test('needs an API key', async () => {
    const response = await testApp.request('GET', '/console/pricing');
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
  });
});
