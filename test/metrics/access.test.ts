// Who may scrape GET /metrics: the admin token's bearer by default, also [metrics] token_env's
// token when set, anyone with [metrics] public = true; nobody when no token exists at all.
import { afterEach, describe, expect, test } from 'bun:test';
import { ConfigError, parseConfig } from '../../src/config';
import { createTestApp, readJson, type TestApp } from '../support/app';
import { ADMIN_TOKEN } from '../support/env';

const SCRAPE_TOKEN = 'scraper-token-5d2c8e1f0a';
let testApp: TestApp | null = null;
afterEach(async () => {
  await testApp?.close();
  testApp = null;
});

const scrape = (app: TestApp, token: string | null) => app.request('GET', '/metrics', { token });

describe('GET /metrics access', () => {
  test('by default only the admin token: none or a wrong one is 401 and shows no metrics', async () => {
    testApp = await createTestApp();
    const missing = await scrape(testApp, null);
    expect(missing.status).toBe(401);
    expect((await readJson(missing)).error.code).toBe('invalid_admin_token');
    const wrong = await scrape(testApp, 'not-the-token');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('inferport_http_requests_total');
    const admin = await scrape(testApp, ADMIN_TOKEN);
    expect(admin.status).toBe(200);
    expect(await admin.text()).toContain('# TYPE inferport_http_requests_total counter');
  });

  test('[metrics] token_env: that token scrapes, and the admin token still does', async () => {
    testApp = await createTestApp({ metrics: { token_env: 'TEST_METRICS_TOKEN' } }, { TEST_METRICS_TOKEN: SCRAPE_TOKEN });
    expect((await scrape(testApp, SCRAPE_TOKEN)).status).toBe(200);
    expect((await scrape(testApp, ADMIN_TOKEN)).status).toBe(200);
    expect((await scrape(testApp, `${SCRAPE_TOKEN}x`)).status).toBe(401);
    // The scrape token is no admin token.
    expect((await testApp.request('GET', '/admin/accounts', { token: SCRAPE_TOKEN })).status).toBe(401);
  });

  test('[metrics] public = true: anyone may scrape', async () => {
    testApp = await createTestApp({ metrics: { public: true } });
    expect((await scrape(testApp, null)).status).toBe(200);
  });

  test('no admin token and no scrape token: 401 admin_disabled, saying what to set', async () => {
    testApp = await createTestApp({}, { INFERPORT_ADMIN_TOKEN: '' });
    const response = await scrape(testApp, 'anything');
    expect(response.status).toBe(401);
    const body = await readJson(response);
    expect(body.error.code).toBe('admin_disabled');
    expect(body.error.message).toContain('[metrics] public');
  });

  test('a token_env that names an unset variable stops start-up, naming the key', () => {
    expect(() => parseConfig({ metrics: { token_env: 'NOT_SET_ANYWHERE' } }, {})).toThrow(new ConfigError('metrics.token_env names NOT_SET_ANYWHERE, which is not set'));
    expect(() => parseConfig({ metrics: { public: 'yes' } }, {})).toThrow(new ConfigError('metrics.public must be true or false'));
    expect(() => parseConfig({ logs: { format: 'xml' } }, {})).toThrow(new ConfigError('logs.format must be one of "json", "text"'));
    expect(parseConfig({}, {}).logs).toEqual({ format: 'json', requests: true });
  });
});
