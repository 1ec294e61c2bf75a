// Acceptance (issue 12 point 5): the /console page in headless Chromium. Usage made through
// the real gateway (a fake upstream behind it) on three days, the key typed into the sign-in
// form, the chart drawn with one bar per day of the window and the tables filled from GET
// /console/usage, and not one request to another host. The run keeps a screenshot:
// test-artifacts/console-postgres.png and test-artifacts/console-sqlite.png.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createAccountWithKey, readJson } from '../support/app';
import { createPageApp, textOf, type PageApp } from './page-app';
import { loadPageModule } from './page-modules';

const ARTIFACT_DIR = join(import.meta.dir, '..', '..', 'test-artifacts');
const DAY_MS = 86_400_000;
const format = await loadPageModule('format.mjs');

// Set per file, as other slow files do: in a full run, with the machine busy, starting the app
// and Chromium was cut at Bun's 5 s default although test/setup.ts raises it.
setDefaultTimeout(60_000);

let app: PageApp;
beforeAll(async () => {
  app = await createPageApp();
});
afterAll(() => app?.close());

/** `requests` chat completions through the gateway, on the app's clock as it stands. */
async function makeUsage(key: string, requests: number): Promise<void> {
  for (let index = 0; index < requests; index++) {
    const response = await fetch(`${app.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: `request number ${index} ${'word '.repeat(index * 5)}` }], max_tokens: 20 }),
    });
    expect(response.status).toBe(200);
    await response.text();
  }
}

// What the function run in the page sees (the tests are typed without the DOM library). It
// must be a function: the page's CSP refuses a string to evaluate.
declare const document: { querySelectorAll(selector: string): { length: number } };

async function waitForBars(page: Page, days: number): Promise<void> {
  await page.waitForFunction((count) => document.querySelectorAll('#chart svg rect.bar').length === count, days, { timeout: 10_000 });
}

describe('the /console page in Chromium', () => {
  test('signs in with a key, draws the chart and the tables, calls no other host, and keeps a screenshot', async () => {
    const { testApp, clock, consoleJson, baseUrl } = app;
    const { accountId, key } = await createAccountWithKey(testApp);
    expect((await testApp.admin('POST', `/admin/accounts/${accountId}/credits`, { amount: '10', kind: 'paid' })).status).toBe(200);
    const todayMs = Date.now();
    for (const [daysAgo, requests] of [[2, 1], [1, 2], [0, 3]] as const) {
      clock.nowMs = todayMs - daysAgo * DAY_MS;
      await makeUsage(key, requests);
    }
    // Settles what is queued and gives the lease back, so the report sees every charge and no reservation.
    await testApp.context.meter.close();
    const report = await consoleJson('/console/usage?days=7', key);
    expect(report.daily).toHaveLength(7);
    expect(format.toMicros(report.trend.cost)).toBeGreaterThan(0n);

    const page = await app.browser.context.newPage();
    const requested: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // A CSP violation or a script error is reported on the console as an error. Chromium also
    // logs every 4xx answer there ("Failed to load resource"): the refused key, a missing route.
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
    });
    await page.goto(`${baseUrl}/console`);

    // A wrong key: the sign-in form shows the server's own message and the key is not kept.
    const wrong = await readJson(await testApp.request('GET', '/console/wallet', { token: 'ipk_not_a_key' }));
    await page.fill('#api-key', 'ipk_not_a_key');
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#sign-in-error.error');
    expect(await textOf(page, '#sign-in-error')).toBe(wrong.error.message);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await page.fill('#api-key', key);
    await page.click('#sign-in-form button[type=submit]');
    await waitForBars(page, 7);
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([key]);
    expect(await textOf(page, '#account-id')).toBe(`Account ${accountId}`);

    // One bar per day, with the report's figures: the three days with requests are drawn.
    const bars = await page.$$eval('#chart rect.bar', (rects) => rects.map((rect) => ({ date: rect.getAttribute('data-date'), cost: rect.getAttribute('data-cost'), height: Number(rect.getAttribute('height')) })));
    expect(bars.map(({ date, cost }) => ({ date, cost }))).toEqual(report.daily.map((point: { date: string; cost: string }) => ({ date: point.date, cost: point.cost })));
    expect(bars.map((bar) => bar.height > 0)).toEqual([false, false, false, false, true, true, true]);
    expect(await page.locator('#chart svg text').count()).toBeGreaterThan(7);

    const byModel = await page.$$eval('#by-model tbody tr', (rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent)));
    expect(byModel).toEqual(report.by_model.map((row: any) => [row.model, format.formatCount(row.requests), format.formatCount(row.prompt_tokens), format.formatCount(row.completion_tokens), format.formatCredits(row.cost)]));
    expect(await page.locator('#top-requests tbody tr').count()).toBe(6);
    expect(await textOf(page, '#month')).toContain(format.formatCredits(report.month.spent));
    const wallet = await consoleJson('/console/wallet', key);
    expect(await textOf(page, '#balance')).toContain(format.formatCredits(wallet.balance));
    expect(await textOf(page, '#pricing')).toContain('fake-model');
    expect(await textOf(page, '#refill-state')).toStartWith('State: off');
    const alertsStatus = (await testApp.request('GET', '/console/alerts', { token: key })).status;
    expect(await page.locator('#alerts-card').isHidden()).toBe(alertsStatus === 404);

    // The switcher: 30 bars from ?days=30.
    await page.click('.switcher button[data-days="30"]');
    await waitForBars(page, 30);
    expect(await page.getAttribute('.switcher button[data-days="30"]', 'aria-pressed')).toBe('true');

    mkdirSync(ARTIFACT_DIR, { recursive: true });
    await page.screenshot({ path: join(ARTIFACT_DIR, `console-${testApp.database.kind}.png`), fullPage: true });

    const origin = new URL(baseUrl).origin;
    const elsewhere = requested.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
    expect({ elsewhere }).toEqual({ elsewhere: [] });
    expect(requested).toContain(`${origin}/console/usage?days=30`);
    expect(problems).toEqual([]);

    // The policy is in force: an image from another host, added by script, is refused unfetched.
    const violated = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const win = globalThis as any;
          win.document.addEventListener('securitypolicyviolation', (event: any) => resolve(`${event.violatedDirective} ${event.blockedURI}`), { once: true });
          win.document.body.append(Object.assign(win.document.createElement('img'), { src: 'http://192.0.2.1/pixel.png' }));
        }),
    );
    expect(violated).toBe('img-src http://192.0.2.1/pixel.png');

    // Signing out forgets the key and loads the page afresh.
    await Promise.all([page.waitForEvent('load'), page.click('#sign-out')]);
    expect(await page.locator('#sign-in').isVisible()).toBe(true);
    expect(await page.locator('#dashboard').isHidden()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.close();
  });
});
