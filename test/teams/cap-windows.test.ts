// Spend caps count in UTC calendar windows: a daily cap resets at 00:00 UTC, a monthly one on the
// 1st, both on the app's clock (createTestApp's injectable `now`, moved instead of waited for).
// A refusal is 429 spend_cap_reached in OpenAI's error JSON, with Retry-After until the reset, and
// charges nothing.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import * as ledger from '../../src/ledger/service';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { costMicros, formatCredits, reservationFor } from '../gateway/account-state';
import { outcomeOf } from '../gateway/burst';
import { auditKeySpend } from '../../src/teams/audit';
import { addMember, capKey, capMember, chargesByKey, issueMemberKey } from './support';

let nowMs = 0;
let testApp: TestApp;
let fake: FakeUpstream;
let baseUrl: string;
beforeAll(async () => {
  fake = startFakeUpstream();
  testApp = await createTestApp({ upstreams: [{ name: 'local', url: fake.url, models: ['fake-model'] }], wallet: { trial_credits: 0 } }, {}, { now: () => nowMs });
  baseUrl = testApp.listen();
});
afterAll(async () => {
  await testApp.close();
  await fake.stop();
});

const MAX_TOKENS = 16;
const BODY = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'one two three' }], max_tokens: MAX_TOKENS };
const RESERVATION_MICROS = reservationFor(Buffer.byteLength(JSON.stringify(BODY)), MAX_TOKENS);
const ACTUAL_COST_MICROS = costMicros(3, 4);
// Room for a first request, and for a second one only because the first cost less than it reserved.
const CAP_MICROS = RESERVATION_MICROS + ACTUAL_COST_MICROS;

async function fundedAccount(): Promise<{ accountId: string; keyId: string; key: string }> {
  const created = await createAccountWithKey(testApp);
  await ledger.grant(testApp.context.db, { accountId: created.accountId, kind: 'paid', amountMicros: 10_000_000n, expiresAtMs: null, source: 'admin', idempotencyKey: `seed:${created.accountId}` }, nowMs);
  return created;
}

const client = (key: string) => new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: key, maxRetries: 0 });
const status = async (key: string) => (await outcomeOf(client(key).chat.completions.create(BODY))).status;

/** The refusal as a client sees it, checked whole; returns its Retry-After in seconds. */
async function expectCapRefusal(key: string, window: 'daily' | 'monthly'): Promise<number> {
  const response = await fetch(`${baseUrl}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(BODY) });
  expect(response.status).toBe(429);
  const body = await readJson(response);
  expect(body).toEqual({ error: { message: expect.stringContaining(`${window} spend cap of ${formatCredits(CAP_MICROS)} credits`), type: 'insufficient_quota', param: null, code: 'spend_cap_reached' } });
  return Number(response.headers.get('retry-after'));
}

describe('spend cap windows', () => {
  test('a daily key cap refuses at 23:59 UTC and serves again after midnight; the refusal charges nothing', async () => {
    nowMs = Date.UTC(2026, 2, 10, 23, 59, 0);
    const { accountId, keyId, key } = await fundedAccount();
    await capKey(testApp, keyId, { daily: formatCredits(CAP_MICROS) });
    expect(await status(key)).toBe(200);
    expect(await status(key)).toBe(200);
    expect(await expectCapRefusal(key, 'daily')).toBe(60);
    expect((await chargesByKey(testApp, accountId)).get(keyId)).toBe(ACTUAL_COST_MICROS * 2n);
    const records = await testApp.context.db.selectFrom('usage_records').select('id').where('account_id', '=', accountId).execute();
    expect(records).toHaveLength(2);

    nowMs = Date.UTC(2026, 2, 11, 0, 0, 1);
    expect(await status(key)).toBe(200);
    expect(await status(key)).toBe(200);
    expect(await status(key)).toBe(429);
    const spend = await readJson(await testApp.request('GET', '/console/team/spend?days=7', { token: key }));
    const entry = spend.by_key.find((row: { key_id: string }) => row.key_id === keyId);
    expect(entry).toMatchObject({ requests: 4, today: formatCredits(ACTUAL_COST_MICROS * 2n), month: formatCredits(ACTUAL_COST_MICROS * 4n), spent: formatCredits(ACTUAL_COST_MICROS * 4n), caps: { daily: formatCredits(CAP_MICROS), monthly: null } });
  });

  test("a member's monthly cap holds across a day boundary and resets on the 1st (UTC)", async () => {
    nowMs = Date.UTC(2026, 3, 29, 23, 59, 0);
    const { accountId } = await fundedAccount();
    const memberId = await addMember(testApp, accountId, 'bo');
    const keys = [await issueMemberKey(testApp, accountId, memberId), await issueMemberKey(testApp, accountId, memberId)];
    await capMember(testApp, accountId, memberId, { monthly: formatCredits(CAP_MICROS) });
    expect(await status(keys[0]!.key)).toBe(200);
    expect(await status(keys[1]!.key)).toBe(200);
    await expectCapRefusal(keys[0]!.key, 'monthly');

    nowMs = Date.UTC(2026, 3, 30, 0, 1, 0);
    const retryAfter = await expectCapRefusal(keys[1]!.key, 'monthly');
    expect(retryAfter).toBe((Date.UTC(2026, 4, 1) - nowMs) / 1000);

    nowMs = Date.UTC(2026, 4, 1, 0, 0, 1);
    expect(await status(keys[1]!.key)).toBe(200);
    const charges = await chargesByKey(testApp, accountId);
    expect((charges.get(keys[0]!.keyId) ?? 0n) + (charges.get(keys[1]!.keyId) ?? 0n)).toBe(ACTUAL_COST_MICROS * 3n);
  });

  test('removing the caps ({}) lets the key spend again at once on this replica', async () => {
    nowMs = Date.UTC(2026, 5, 2, 12);
    const { keyId, key } = await fundedAccount();
    await capKey(testApp, keyId, { daily: '0' });
    expect(await status(key)).toBe(429);
    await capKey(testApp, keyId, {});
    expect(await status(key)).toBe(200);
    const caps = await readJson(await testApp.admin('GET', `/admin/keys/${keyId}/spend-caps`));
    expect(caps).toEqual({ object: 'spend_caps', subject_id: keyId, daily: null, monthly: null });
  });

  test('key_spend_daily is the exact sum of the usage records it rolls up', async () => {
    expect(await auditKeySpend(testApp.context.db)).toEqual([]);
  });
});
