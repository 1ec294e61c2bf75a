// The console's and the admin's spend by member and by key equal the ledger's figures: each key's
// spent is what its requests were charged, each member's the sum over their keys, and the total
// what left the wallet. Requests of several sizes, from two members' keys and the account's own.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import * as ledger from '../../src/ledger/service';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';
import { ledgerProblems } from '../support/audit';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { formatCredits } from '../gateway/account-state';
import { runWithConcurrency } from '../gateway/burst';
import { auditKeySpend } from '../../src/teams/audit';
import { addMember, capMember, chargesByKey, issueMemberKey } from './support';

let testApp: TestApp;
let fake: FakeUpstream;
let baseUrl: string;
beforeAll(async () => {
  fake = startFakeUpstream();
  testApp = await createTestApp({ upstreams: [{ name: 'local', url: fake.url, models: ['fake-model'] }], wallet: { trial_credits: 0 }, prices: { default: { input_per_million: '3', output_per_million: '7' } } });
  baseUrl = testApp.listen();
});
afterAll(async () => {
  await testApp.close();
  await fake.stop();
});

const GRANT_MICROS = 5_000_000n;

describe('spend by member and by key', () => {
  test('equals what the ledger charged, in the console and the admin API alike', async () => {
    const { accountId, keyId: ownKeyId, key: ownKey } = await createAccountWithKey(testApp);
    await ledger.grant(testApp.context.db, { accountId, kind: 'paid', amountMicros: GRANT_MICROS, expiresAtMs: null, source: 'admin', idempotencyKey: `seed:${accountId}` }, Date.now());
    const ana = await addMember(testApp, accountId, 'Ana');
    const bo = await addMember(testApp, accountId, 'Bo');
    await capMember(testApp, accountId, bo, { daily: '100' });
    const members = { [ana]: [await issueMemberKey(testApp, accountId, ana), await issueMemberKey(testApp, accountId, ana)], [bo]: [await issueMemberKey(testApp, accountId, bo)] };
    const keys = [ownKey, ...Object.values(members).flat().map((key) => key.key)];
    const tasks = Array.from({ length: 40 }, (_, index) => async () => {
      const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: keys[index % keys.length]!, maxRetries: 0 });
      fake.setBehavior({ chunks: 1 + (index % 7) });
      await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'word '.repeat(1 + index).trim() }], max_tokens: 32 });
    });
    await runWithConcurrency(tasks, 8);
    fake.reset();

    const charges = await chargesByKey(testApp, accountId);
    const balance = (await ledger.getWalletSummary(testApp.context.db, accountId, Date.now())).balanceMicros;
    const charged = [...charges.values()].reduce((sum, micros) => sum + micros, 0n);
    expect(charged).toBe(GRANT_MICROS - balance);
    expect(await ledgerProblems(testApp.context.db)).toEqual([]);
    expect(await auditKeySpend(testApp.context.db)).toEqual([]);

    const consoleReport = await readJson(await testApp.request('GET', '/console/team/spend?days=30', { token: ownKey }));
    const adminReport = await readJson(await testApp.admin('GET', `/admin/accounts/${accountId}/team/spend?days=30`));
    expect(adminReport).toEqual(consoleReport);
    expect(consoleReport).toMatchObject({ object: 'team_spend', account_id: accountId, days: 30, total: formatCredits(charged) });
    expect(consoleReport.by_key).toHaveLength(4);
    for (const entry of consoleReport.by_key) {
      expect(entry.spent).toBe(formatCredits(charges.get(entry.key_id) ?? 0n));
      expect(entry.today).toBe(entry.spent);
      expect(entry.requests).toBe(10);
    }
    expect(consoleReport.by_key.find((entry: { key_id: string }) => entry.key_id === ownKeyId).member_id).toBeNull();
    for (const [memberId, memberKeys] of Object.entries(members)) {
      const entry = consoleReport.by_member.find((row: { member_id: string }) => row.member_id === memberId);
      const sum = memberKeys.reduce((total, key) => total + (charges.get(key.keyId) ?? 0n), 0n);
      expect(entry).toMatchObject({ spent: formatCredits(sum), month: formatCredits(sum), requests: 10 * memberKeys.length });
    }
    expect(consoleReport.by_member.find((row: { member_id: string }) => row.member_id === bo).caps).toEqual({ daily: '100.000000', monthly: null });
  });
});
