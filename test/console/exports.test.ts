// Acceptance (issue 11 point 6, second half): GET /console/ledger.csv and /console/usage.csv
// parse as RFC 4180 and their totals equal the ledger's: the ledger's balance changes sum to
// the wallet's balance (and to the account's entries), its paid and promo parts to the wallet's
// paid and promo credit, and the usage costs to what the requests were charged. A history
// longer than a page streams a page at a time; a period bounds both; bad bounds are 400.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import * as ledger from '../../src/ledger/service';
import { parseCreditsToMicros } from '../../src/shared/money';
import { insertUsageRecord } from '../../src/usage/service';
import { createAccountWithKey, readJson, type TestApp } from '../support/app';
import { expectAuditClean } from '../support/audit';
import { csvRecords, parseCsv } from '../support/csv';
import type { FakeUpstream } from '../support/fake-upstream';
import { createTrialApp, type TrialApp } from '../support/trial-app';

// Set per file, as other slow files do: in a full run the export test was cut at Bun's 5 s
// default although test/setup.ts raises it.
setDefaultTimeout(60_000);

const DAY_MS = 86_400_000;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CREDITS = /^-?\d+\.\d{6}$/;

let trial: TrialApp;
let testApp: TestApp;
let fake: FakeUpstream;
let baseUrl: string;
let clock: TrialApp['clock'];

beforeAll(async () => {
  trial = await createTrialApp();
  ({ testApp, fake, baseUrl, clock } = trial);
});
afterAll(() => trial.close());

const micros = (text: string) => {
  const negative = text.startsWith('-');
  const value = parseCreditsToMicros(negative ? text.slice(1) : text);
  if (value === null) throw new Error(`not an amount: ${text}`);
  return negative ? -value : value;
};
const sumOf = (records: Record<string, string>[], column: string) => records.reduce((sum, record) => sum + micros(record[column]!), 0n);

async function exportCsv(path: string, key: string): Promise<string> {
  const response = await testApp.request('GET', path, { token: key });
  expect({ path, status: response.status, type: response.headers.get('content-type') }).toEqual({ path, status: 200, type: 'text/csv; charset=utf-8; header=present' });
  return response.text();
}

/** Every line of /console/ledger, all pages, as the JSON listing gives them. */
async function ledgerJsonLines(key: string): Promise<any[]> {
  const lines = [];
  let cursor: string | null = null;
  do {
    const page: any = await readJson(await testApp.request('GET', `/console/ledger?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { token: key }));
    lines.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return lines;
}

describe('CSV exports', () => {
  test("a history of grants, a coupon, requests and an expiry: both exports parse and add up to the ledger's totals", async () => {
    const { accountId, key } = await createAccountWithKey(testApp);
    const startMs = clock.nowMs;
    const note = 'invoice "7", paid\r\nby wire';
    expect((await testApp.admin('POST', `/admin/accounts/${accountId}/credits`, { amount: '10', kind: 'paid', note })).status).toBe(200);
    expect((await testApp.admin('POST', `/admin/accounts/${accountId}/credits`, { amount: '1.5', kind: 'promo', note: '=HYPERLINK("http://evil")' })).status).toBe(200);
    expect((await testApp.admin('POST', '/admin/coupons', { code: 'CSV-EXPORT', amount: '3' })).status).toBe(201);
    expect((await testApp.request('POST', '/console/coupons/redeem', { token: key, body: { code: 'csv-export' } })).status).toBe(200);
    const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: key, maxRetries: 0 });
    for (let index = 0; index < 4; index++) await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: `request number ${index}` }], max_tokens: 20 });
    fake.setBehavior({ mode: 'error500' });
    await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'this one fails' }], max_tokens: 20 }).catch(() => null);
    fake.reset();
    await testApp.context.meter.close();
    clock.nowMs = startMs + 30 * DAY_MS;
    await ledger.sweep(testApp.context.db, clock.nowMs);

    const ledgerText = await exportCsv('/console/ledger.csv', key);
    const [header] = parseCsv(ledgerText);
    expect(header).toEqual(['time', 'id', 'kind', 'amount', 'balance_change', 'paid_change', 'promo_change', 'memo']);
    const lines = csvRecords(ledgerText);
    for (const line of lines) {
      expect(line.time).toMatch(ISO_UTC);
      for (const column of ['amount', 'balance_change', 'paid_change', 'promo_change']) expect(line[column]).toMatch(CREDITS);
      expect(micros(line.paid_change!) + micros(line.promo_change!)).toBe(micros(line.balance_change!));
    }
    expect(lines.map((line) => line.time)).toEqual(lines.map((line) => line.time).sort());
    expect(lines.map((line) => line.kind).sort()).toEqual(['charge', 'charge', 'charge', 'charge', 'expire', 'grant', 'grant', 'grant', 'grant']);
    expect(lines.map((line) => line.memo)).toEqual(expect.arrayContaining([note, '\'=HYPERLINK("http://evil")', 'coupon CSV-EXPORT', 'trial credits', 'promo grant expired']));

    const { db } = testApp.context;
    const wallet = await ledger.getWalletSummary(db, accountId, clock.nowMs);
    const entries = await db.selectFrom('ledger_entries').select((eb) => eb.fn.sum<bigint>('amount_micros').as('total')).where('account_id', '=', accountId).where('book', '=', 'grant').executeTakeFirstOrThrow();
    expect({ balance: sumOf(lines, 'balance_change'), paid: sumOf(lines, 'paid_change'), promo: sumOf(lines, 'promo_change') }).toEqual({
      balance: wallet.balanceMicros,
      paid: wallet.paidMicros,
      promo: wallet.promoMicros,
    });
    expect(BigInt(entries.total ?? 0)).toBe(wallet.balanceMicros);
    // The same lines as the JSON ledger, oldest first instead of newest first.
    const listed = await ledgerJsonLines(key);
    expect(lines.map((line) => [line.id, line.kind, line.balance_change, line.paid_change, line.promo_change])).toEqual(
      listed.reverse().map((line) => [line.id, line.kind, line.balance_change, line.paid_change, line.promo_change]),
    );

    const usageText = await exportCsv('/console/usage.csv', key);
    const [usageHeader] = parseCsv(usageText);
    expect(usageHeader).toEqual(['time', 'id', 'request_id', 'key_id', 'key_name', 'billing', 'endpoint', 'model', 'status', 'outcome', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'usage_estimated', 'cost']);
    const requests = csvRecords(usageText);
    expect(requests).toHaveLength(5);
    const charged = await db.selectFrom('usage_records').select((eb) => eb.fn.sum<bigint>('cost_micros').as('total')).where('account_id', '=', accountId).where('charge_status', '=', 'posted').executeTakeFirstOrThrow();
    const chargeLines = lines.filter((line) => line.kind === 'charge');
    expect(sumOf(requests, 'cost')).toBe(BigInt(charged.total ?? 0));
    expect(sumOf(requests, 'cost')).toBe(-sumOf(chargeLines, 'balance_change'));
    expect(sumOf(requests, 'cost')).toBeGreaterThan(0n);
    // A request's charge line in the ledger has its usage record's id.
    expect(chargeLines.map((line) => line.id).sort()).toEqual(requests.filter((request) => request.status === '200').map((request) => request.id).sort());
    const failed = requests.find((request) => request.status !== '200')!;
    expect({ cost: failed.cost, tokens: failed.total_tokens }).toEqual({ cost: '0.000000', tokens: '0' });
    for (const request of requests) {
      expect(request.time).toMatch(ISO_UTC);
      expect(request.cost).toMatch(CREDITS);
      expect(Number(request.total_tokens)).toBe(Number(request.prompt_tokens) + Number(request.completion_tokens));
      expect({ model: request.model, endpoint: request.endpoint, billing: request.billing }).toEqual({ model: 'fake-model', endpoint: 'chat.completions', billing: 'credits' });
    }
    await expectAuditClean(db);
  });

  test('a history longer than a page is streamed a page at a time, every line once, and the sums still hold', async () => {
    const { accountId, key, keyId } = await createAccountWithKey(testApp);
    const { db } = testApp.context;
    // 700 grants in one millisecond: the page boundary falls among lines of equal time.
    for (let index = 0; index < 700; index++) {
      await ledger.grant(db, { accountId, kind: index % 2 ? 'paid' : 'promo', amountMicros: 1_000n + BigInt(index), expiresAtMs: null, source: 'admin', idempotencyKey: `many:${accountId}:${index}` }, clock.nowMs);
    }
    for (let index = 0; index < 620; index++) {
      await insertUsageRecord(db, {
        id: `use_many_${accountId}_${String(index).padStart(4, '0')}`, requestId: `req-${index}`, keyId, accountId, billing: 'plan', endpoint: 'chat.completions', model: 'fake-model', upstream: 'fake',
        statusCode: 200, outcome: 'ok', promptTokens: 3, completionTokens: 4, usageEstimated: false, costMicros: 0n, holdId: null, latencyMs: 1, ttftMs: null, createdAtMs: clock.nowMs,
      });
    }
    const response = await testApp.request('GET', '/console/ledger.csv', { token: key });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const first = decoder.decode((await reader.read()).value);
    // The header and the first page only: the rest is read from the database as the client reads.
    expect(first.split('\r\n').length - 1).toBe(1 + 500);
    let text = first;
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
    const lines = csvRecords(text);
    expect(lines).toHaveLength(1 + 700);
    expect(new Set(lines.map((line) => line.id)).size).toBe(lines.length);
    expect(sumOf(lines, 'balance_change')).toBe((await ledger.getWalletSummary(db, accountId, clock.nowMs)).balanceMicros);

    const requests = csvRecords(await exportCsv('/console/usage.csv', key));
    expect(requests.map((request) => request.id)).toEqual(Array.from({ length: 620 }, (_, index) => `use_many_${accountId}_${String(index).padStart(4, '0')}`));
    expect(new Set(requests.map((request) => `${request.billing} ${request.cost} ${request.total_tokens}`))).toEqual(new Set(['plan 0.000000 7']));
  });

  test('from (inclusive) and to (exclusive) bound both exports; dates count from midnight UTC', async () => {
    const { accountId, key, keyId } = await createAccountWithKey(testApp);
    const { db } = testApp.context;
    const day = Date.UTC(2031, 4, 10);
    const moments = [day - 1, day, day + 1, day + DAY_MS - 1, day + DAY_MS];
    for (const [index, atMs] of moments.entries()) {
      await ledger.grant(db, { accountId, kind: 'paid', amountMicros: 1_000_000n, expiresAtMs: null, source: 'admin', memo: `at ${index}`, idempotencyKey: `bounded:${accountId}:${index}` }, atMs);
      await insertUsageRecord(db, {
        id: `use_at_${index}_${accountId}`, requestId: `at-${index}`, keyId, accountId, billing: 'plan', endpoint: 'embeddings', model: 'fake-model', upstream: 'fake',
        statusCode: 200, outcome: 'ok', promptTokens: 1, completionTokens: 0, usageEstimated: false, costMicros: 0n, holdId: null, latencyMs: 1, ttftMs: null, createdAtMs: atMs,
      });
    }
    const memos = async (query: string) => csvRecords(await exportCsv(`/console/ledger.csv?${query}`, key)).map((line) => line.memo!).filter((memo) => memo.startsWith('at '));
    expect(await memos('from=2031-05-10&to=2031-05-11')).toEqual(['at 1', 'at 2', 'at 3']);
    expect(await memos(`from=${encodeURIComponent(new Date(day + 1).toISOString())}`)).toEqual(['at 2', 'at 3', 'at 4']);
    expect(await memos('to=2031-05-10T00:00:00Z')).toEqual(['at 0']);
    expect(await memos('from=2031-05-10&to=2031-05-10')).toEqual([]);
    const requests = async (query: string) => csvRecords(await exportCsv(`/console/usage.csv?${query}`, key)).map((line) => line.request_id);
    expect(await requests('from=2031-05-10&to=2031-05-11')).toEqual(['at-1', 'at-2', 'at-3']);
    expect(await requests('from=2031-05-10T23:59:59.999Z')).toEqual(['at-3', 'at-4']);
    expect(await requests('to=2031-05-10T02:00:00%2B02:00')).toEqual(['at-0']);
  });

  test('the OpenAPI document describes both exports as CSV with their period', async () => {
    const document = await readJson(await testApp.request('GET', '/swagger/json'));
    for (const path of ['/console/ledger.csv', '/console/usage.csv']) {
      const operation = document.paths[path].get;
      expect(Object.keys(operation.responses['200'].content)).toEqual(['text/csv']);
      expect(operation.parameters.map((parameter: { name: string; in: string }) => `${parameter.in} ${parameter.name}`).sort()).toEqual(['query from', 'query to']);
      expect(Object.keys(operation.responses).map(Number)).toEqual(expect.arrayContaining([400, 401, 403]));
    }
  });

  test('bad bounds are 400 naming the parameter; no key is 401', async () => {
    const { key } = await createAccountWithKey(testApp);
    for (const path of ['/console/ledger.csv', '/console/usage.csv']) {
      for (const [query, param] of [['from=yesterday', 'from'], ['to=2024-02-30', 'to'], ['from=2023-02-29T00:00:00Z', 'from'], ['to=2024-01-01T00:00:00%2B24:00', 'to'], ['from=Mon%20Jan%2001%202024', 'from'], ['from=2024-01-01T25:00:00Z', 'from'], ['from=2024-03-01&to=2024-02-01', 'to'], ['to=', 'to']] as const) {
        const response = await testApp.request('GET', `${path}?${query}`, { token: key });
        const body = await readJson(response);
        expect({ path, query, status: response.status, code: body.error?.code, param: body.error?.param }).toEqual({ path, query, status: 400, code: 'invalid_request', param });
      }
      expect((await testApp.request('GET', path)).status).toBe(401);
    }
  });
});
