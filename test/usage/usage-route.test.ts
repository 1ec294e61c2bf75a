// GET /console/usage (issue 12) through the real gateway: requests settled by the meter show up in
// the day's rollup, the wallet, the month and the top requests; other days values are a 400.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import * as ledger from '../../src/ledger/service';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';
import { expectAuditClean } from '../support/audit';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';

// 2026-03-10 15:00 UTC: the month started 9 days ago.
let nowMs = Date.UTC(2026, 2, 10, 15);
let testApp: TestApp;
let fake: FakeUpstream;

beforeAll(async () => {
  fake = startFakeUpstream();
  testApp = await createTestApp(
    {
      upstreams: [{ name: 'local', url: fake.url, models: ['fake-model', 'other-model'] }],
      prices: { default: { input_per_million: '1', output_per_million: '2' } },
      wallet: { trial_credits: 0 },
    },
    {},
    { now: () => nowMs },
  );
});
afterAll(async () => {
  await testApp.close();
  await fake.stop();
});

async function chat(key: string, model: string, words: number) {
  const response = await testApp.request('POST', '/v1/chat/completions', { token: key, body: { model, messages: [{ role: 'user', content: Array(words).fill('w').join(' ') }] } });
  expect(response.status).toBe(200);
  return readJson(response);
}

describe('GET /console/usage', () => {
  test("a settled request is in the day's figures, the month, the trend and the top requests", async () => {
    const { accountId, key } = await createAccountWithKey(testApp);
    await ledger.grant(testApp.context.db, { accountId, kind: 'paid', amountMicros: 5_000_000n, expiresAtMs: null, source: 'admin', idempotencyKey: `seed:${accountId}` }, nowMs);
    const first = await chat(key, 'fake-model', 10);
    nowMs += 60_000;
    const second = await chat(key, 'other-model', 3);
    const costs = [first, second].map((answer) => BigInt(answer.usage.cost.replace('.', '')));

    const response = await testApp.request('GET', '/console/usage?days=14', { token: key });
    expect(response.status).toBe(200);
    const body = await readJson(response);
    expect(body).toMatchObject({ object: 'usage_report', account_id: accountId, days: 14, from: '2026-02-25', to: '2026-03-10' });
    expect(body.daily).toHaveLength(14);
    const total = costs[0]! + costs[1]!;
    const credits = (micros: bigint) => `${micros / 1_000_000n}.${(micros % 1_000_000n).toString().padStart(6, '0')}`;
    expect(body.daily.at(-1)).toMatchObject({ date: '2026-03-10', requests: 2, tokens_cost: credits(total), deployments_cost: '0.000000', cost: credits(total) });
    expect(body.daily.slice(0, -1).every((point: { requests: number; cost: string }) => point.requests === 0 && point.cost === '0.000000')).toBe(true);
    expect(body.month).toMatchObject({ start: '2026-03-01', spent: credits(total) });
    expect(body.trend).toEqual({ cost: credits(total), previous_cost: '0.000000', change_percent: null });
    expect(body.balance).toEqual({ total: credits(5_000_000n - total), paid: credits(5_000_000n - total), promo: '0.000000', reserved: expect.any(String) });
    expect(body.by_model.map((row: { model: string }) => row.model).sort()).toEqual(['fake-model', 'other-model']);
    const expensiveFirst = [...costs].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
    expect(body.top_requests.map((row: { cost: string }) => row.cost)).toEqual(expensiveFirst.map(credits));
    expect(body.top_requests[0]).toMatchObject({ endpoint: expect.any(String), created_at: expect.stringMatching(/^2026-03-10T15:0[01]:00\.000Z$/) });
    await expectAuditClean(testApp.context.db);
  });

  test('days other than 7, 14 or 30 are a 400 naming days; absent means 7', async () => {
    const { key } = await createAccountWithKey(testApp);
    for (const days of ['5', '', 'seven', '7.0', '30 ']) {
      const response = await testApp.request('GET', `/console/usage?days=${encodeURIComponent(days)}`, { token: key });
      expect(response.status).toBe(400);
      expect((await readJson(response)).error).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error', param: 'days' });
    }
    const absent = await readJson(await testApp.request('GET', '/console/usage', { token: key }));
    expect(absent).toMatchObject({ days: 7, from: '2026-03-04', to: '2026-03-10', top_requests: [], by_model: [] });
    expect((await testApp.request('GET', '/console/usage')).status).toBe(401);
  });
});
