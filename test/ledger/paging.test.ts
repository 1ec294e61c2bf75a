// Regression (issue 7, point 13): paging through a ledger missed transactions. The only cursor
// was `before`, a timestamp, and one settlement batch writes many transactions in the same
// millisecond: a page that ended inside such a millisecond lost the rest of it. Pages now end
// with `next_cursor`, naming the last transaction's (time, id), the order the listing uses.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import * as ledger from '../../src/ledger/service';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';

let testApp: TestApp;
let accountId: string;
let key: string;
let allIds: string[];

// 1,150 grants in four milliseconds: 400, 1, 449 and 300 transactions share a timestamp.
const BURSTS = [400, 1, 449, 300];
const BASE_MS = Date.now() - 60_000;

beforeAll(async () => {
  testApp = await createTestApp();
  ({ accountId, key } = await createAccountWithKey(testApp));
  // One transaction per burst, as the settlement batch writes them: all at one clock reading.
  for (const [burst, size] of BURSTS.entries()) {
    await testApp.context.db.transaction().execute(async (trx) => {
      for (let index = 0; index < size; index++) {
        const input = { accountId, kind: 'promo' as const, amountMicros: 1n, expiresAtMs: null, source: 'admin', idempotencyKey: `burst:${burst}:${index}` };
        await ledger.grantCredits(trx, input, BASE_MS + burst);
      }
    });
  }
  const rows = await testApp.context.db.selectFrom('ledger_transactions').select('id').where('account_id', '=', accountId).execute();
  allIds = rows.map((row) => row.id);
  expect(allIds.length).toBe(BURSTS.reduce((sum, size) => sum + size, 0) + 1);
}, 30_000); // 1,150 grants one by one: past Bun's 5 s on a loaded 2-core machine
afterAll(async () => {
  await testApp?.close();
});

interface Page {
  data: { id: string; created_at: string }[];
  has_more: boolean;
  next_cursor: string | null;
}

/** Follows next_cursor from the first page to the last; returns every page. */
async function pageThrough(list: (query: string) => Promise<Response>, limit: number): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const response = await list(`limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(response.status).toBe(200);
    const page = (await readJson(response)) as Page;
    pages.push(page);
    expect(page.has_more).toBe(page.next_cursor !== null);
    cursor = page.next_cursor;
    expect(pages.length).toBeLessThan(1000);
  } while (cursor !== null);
  return pages;
}

function expectEveryTransactionOnce(pages: Page[]) {
  const seen = pages.flatMap((page) => page.data);
  expect(seen.map((line) => line.id).sort()).toEqual([...allIds].sort());
  expect(new Set(seen.map((line) => line.id)).size).toBe(seen.length);
  const times = seen.map((line) => Date.parse(line.created_at));
  expect(times).toEqual([...times].sort((a, b) => b - a));
}

describe('ledger paging', () => {
  test.each([7, 100, 500])('/console/ledger with limit=%d returns every transaction exactly once', async (limit) => {
    const pages = await pageThrough((query) => testApp.request('GET', `/console/ledger?${query}`, { token: key }), limit);
    expectEveryTransactionOnce(pages);
    expect(pages.at(-1)!.has_more).toBe(false);
  });

  test('/admin/accounts/:id/ledger pages the same way', async () => {
    expectEveryTransactionOnce(await pageThrough((query) => testApp.admin('GET', `/admin/accounts/${accountId}/ledger?${query}`), 250));
  });

  test('a page that ends exactly at the last transaction says there is no more', async () => {
    const page = async (query: string) => (await readJson(await testApp.admin('GET', `/admin/accounts/${accountId}/ledger?${query}`))) as Page;
    const first = await page('limit=500');
    const second = await page(`limit=500&cursor=${first.next_cursor}`);
    expect(second.has_more).toBe(true);
    const rest = allIds.length - 1000;
    const last = await page(`limit=${rest}&cursor=${second.next_cursor}`);
    expect(last.data).toHaveLength(rest);
    expect(last).toMatchObject({ has_more: false, next_cursor: null });
  });

  test('before= still starts a page strictly before a moment', async () => {
    const before = new Date(BASE_MS + 2).toISOString();
    const pages = await pageThrough((query) => testApp.admin('GET', `/admin/accounts/${accountId}/ledger?before=${before}&${query}`), 100);
    const seen = pages.flatMap((page) => page.data);
    expect(seen).toHaveLength(BURSTS[0]! + BURSTS[1]!);
    expect(seen.every((line) => Date.parse(line.created_at) < BASE_MS + 2)).toBe(true);
  });
});
