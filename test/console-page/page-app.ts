// What the console page tests in Chromium share: an app listening on a loopback port on a clock
// the test moves, a fake upstream behind its gateway, one headless Chromium, and helpers that
// read the page or the JSON routes it draws.
import { expect } from 'bun:test';
import type { Page } from 'playwright-core';
import { createTestApp, readJson, type TestApp } from '../support/app';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { launchChromium, type Chromium } from './chromium';

export interface PageApp {
  testApp: TestApp;
  fake: FakeUpstream;
  baseUrl: string;
  browser: Chromium;
  /** The app's clock; it starts at now. */
  clock: { nowMs: number };
  /** A console JSON route's answer for this key, as the page gets it. */
  consoleJson: (path: string, key: string) => Promise<any>;
  /** A new page already signed in with the key (put where the sign-in form keeps it). */
  signedInPage: (key: string) => Promise<Page>;
  close: () => Promise<void>;
}

export async function createPageApp(): Promise<PageApp> {
  const clock = { nowMs: Date.now() };
  const fake = startFakeUpstream();
  const testApp = await createTestApp(
    {
      upstreams: [{ name: 'fake', url: fake.url, models: ['fake-model'] }],
      // A hundredth of a credit per token: a few requests make a visible bar.
      prices: { default: { input_per_million: 10_000, output_per_million: 10_000 } },
    },
    {},
    { now: () => clock.nowMs },
  );
  const baseUrl = testApp.listen();
  const browser = await launchChromium().catch(async (error) => {
    await Promise.all([testApp.close(), fake.stop()]);
    throw error;
  });
  const signedInPage = async (key: string) => {
    const page = await browser.context.newPage();
    await page.goto(`${baseUrl}/console`);
    await page.evaluate((secret) => sessionStorage.setItem('inferport.console.key', secret), key);
    await page.reload();
    await page.waitForSelector('#dashboard:not([hidden])');
    return page;
  };
  return {
    testApp,
    fake,
    baseUrl,
    browser,
    clock,
    consoleJson: async (path, key) => readJson(await testApp.request('GET', path, { token: key })),
    signedInPage,
    close: async () => {
      await browser.close();
      await testApp.close();
      await fake.stop();
    },
  };
}

export const textOf = (page: Page, selector: string) => page.locator(selector).innerText();

/** Submits a form the server refuses: its result line shows the message of the error body, as text. */
export async function expectRefusalShown(page: Page, form: string, result: string, refusal: Response): Promise<void> {
  const { error } = await readJson(refusal);
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector(`${result}.error`);
  expect(await textOf(page, result)).toBe(error.message);
}
