// GET /console and its assets (issue 12): served without a key, each with the page's
// Content-Security-Policy, and with no address of another host anywhere in the HTML, CSS or
// JavaScript. The JSON routes under /console still want an API key.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CONSOLE_PAGE_ASSETS, CONSOLE_PAGE_CSP } from '../../src/console/page/routes';
import { createTestApp, readJson, type TestApp } from '../support/app';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(() => testApp.close());

const ASSET_DIR = dirname(CONSOLE_PAGE_ASSETS['main.mjs']!.path);
// An XML namespace name: the DOM's identifier for SVG elements, never fetched.
const NAMESPACES = new Set(['http://www.w3.org/2000/svg']);

async function fetchPage(path: string) {
  const response = await testApp.request('GET', path);
  return { response, text: await response.text() };
}

describe('GET /console', () => {
  test('the page loads without a key, with the CSP and the other safety headers', async () => {
    for (const path of ['/console', '/console/']) {
      const { response, text } = await fetchPage(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toBe(CONSOLE_PAGE_CSP);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(text).toContain('<form id="sign-in-form"');
    }
    expect(CONSOLE_PAGE_CSP).toStartWith("default-src 'self';");
  });

  test('every asset is served with its type and the CSP; an unknown name is a 404', async () => {
    for (const [name, asset] of Object.entries(CONSOLE_PAGE_ASSETS)) {
      const { response, text } = await fetchPage(`/console/assets/${name}`);
      expect({ name, status: response.status, type: response.headers.get('content-type') }).toEqual({ name, status: 200, type: asset.type });
      expect(response.headers.get('content-security-policy')).toBe(CONSOLE_PAGE_CSP);
      expect(text).toBe(readFileSync(asset.path, 'utf8'));
    }
    for (const name of ['nope.mjs', 'index.html', '..%2F..%2Fapp.ts', 'toString', '__proto__']) {
      const { response, text } = await fetchPage(`/console/assets/${name}`);
      expect({ name, status: response.status }).toEqual({ name, status: 404 });
      expect(JSON.parse(text).error.code).toBe('not_found');
    }
  });

  test('every file of the page is served, and every file the page refers to exists', async () => {
    const files = readdirSync(ASSET_DIR).filter((name) => name !== 'index.html');
    expect(files.sort()).toEqual(Object.keys(CONSOLE_PAGE_ASSETS).sort());
    const html = (await fetchPage('/console')).text;
    const referred = [...html.matchAll(/(?:src|href)="\/console\/assets\/([^"]+)"/g)].map((match) => match[1]!);
    for (const [name, asset] of Object.entries(CONSOLE_PAGE_ASSETS)) {
      if (name.endsWith('.mjs')) referred.push(...[...readFileSync(asset.path, 'utf8').matchAll(/from '\.\/([^']+)'/g)].map((match) => match[1]!));
    }
    expect(referred).toContain('main.mjs');
    for (const name of referred) expect(Object.keys(CONSOLE_PAGE_ASSETS)).toContain(name);
  });

  test('no address of another host in the HTML, CSS or JavaScript', async () => {
    const sources = [{ name: 'index.html', text: (await fetchPage('/console')).text }];
    for (const name of Object.keys(CONSOLE_PAGE_ASSETS)) sources.push({ name, text: (await fetchPage(`/console/assets/${name}`)).text });
    for (const { name, text } of sources) {
      const urls = [...text.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"`)<>]*/gi)].map((match) => match[0]).filter((url) => !NAMESPACES.has(url));
      expect({ name, urls }).toEqual({ name, urls: [] });
      // Protocol-relative addresses and the CSS ways to load something.
      expect({ name, relative: text.match(/(?:src|href|action)=["']?\/\//gi) }).toEqual({ name, relative: null });
      expect({ name, css: text.match(/@import|url\(/gi) }).toEqual({ name, css: null });
    }
    // The scripts call the server through one function, on this origin's /console routes.
    const fetches = sources.flatMap(({ text }) => [...text.matchAll(/fetch\(([^,]*),/g)].map((match) => match[1]));
    expect(fetches).toEqual(['`/console${path}`']);
  });

  test('the JSON routes beside it still want an API key, and the page is not in the API document', async () => {
    const wallet = await testApp.request('GET', '/console/wallet');
    expect(wallet.status).toBe(401);
    expect((await readJson(wallet)).error.code).toBe('invalid_api_key');
    const document = await readJson(await testApp.request('GET', '/swagger/json'));
    expect(Object.keys(document.paths)).toContain('/console/wallet');
    expect(Object.keys(document.paths).filter((path) => path === '/console' || path.startsWith('/console/assets'))).toEqual([]);
  });
});
