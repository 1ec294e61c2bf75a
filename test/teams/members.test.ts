// Team members through the admin API: added, listed, issued keys, capped, and removed — which
// revokes their keys at once (401 key_revoked through the SDK) and keeps their spend reported.
// Bad input changes nothing.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import * as ledger from '../../src/ledger/service';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { outcomeOf } from '../gateway/burst';
import { addMember, issueMemberKey } from './support';

let testApp: TestApp;
let fake: FakeUpstream;
let baseUrl: string;
beforeAll(async () => {
  fake = startFakeUpstream();
  testApp = await createTestApp({ upstreams: [{ name: 'local', url: fake.url, models: ['fake-model'] }], wallet: { trial_credits: 0 } });
  baseUrl = testApp.listen();
});
afterAll(async () => {
  await testApp.close();
  await fake.stop();
});

const BODY = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'hi there' }], max_tokens: 8 };
const chat = (key: string) => outcomeOf(new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: key, maxRetries: 0 }).chat.completions.create(BODY));

async function fundedAccount() {
  const created = await createAccountWithKey(testApp);
  await ledger.grant(testApp.context.db, { accountId: created.accountId, kind: 'paid', amountMicros: 1_000_000n, expiresAtMs: null, source: 'admin', idempotencyKey: `seed:${created.accountId}` }, Date.now());
  return created;
}

describe('team members', () => {
  test('added and listed; keys issued to a member carry member_id and spend from the one wallet', async () => {
    const { accountId } = await fundedAccount();
    const added = await testApp.admin('POST', `/admin/accounts/${accountId}/members`, { name: 'Ana', email: 'ana@example.com' });
    expect(added.status).toBe(201);
    const member = await readJson(added);
    expect(member).toMatchObject({ object: 'team_member', account_id: accountId, name: 'Ana', email: 'ana@example.com', removed_at: null });
    const list = await readJson(await testApp.admin('GET', `/admin/accounts/${accountId}/members`));
    expect(list).toEqual({ object: 'list', data: [member] });

    const key = await issueMemberKey(testApp, accountId, member.id);
    const keys = await readJson(await testApp.admin('GET', `/admin/accounts/${accountId}/keys`));
    expect(keys.data.find((row: { id: string }) => row.id === key.keyId)).toMatchObject({ member_id: member.id, account_id: accountId });
    expect(keys.data.filter((row: { member_id: string | null }) => row.member_id === null)).toHaveLength(1);
    const before = (await ledger.getWalletSummary(testApp.context.db, accountId, Date.now())).balanceMicros;
    expect(await chat(key.key)).toEqual({ status: 200, code: null });
    expect((await ledger.getWalletSummary(testApp.context.db, accountId, Date.now())).balanceMicros).toBeLessThan(before);
  });

  test("removal revokes the member's keys at once, leaves the account's other keys working, and is idempotent", async () => {
    const { accountId, key: ownKey } = await fundedAccount();
    const memberId = await addMember(testApp, accountId, 'Bo');
    const otherId = await addMember(testApp, accountId, 'Cy');
    const keys = [await issueMemberKey(testApp, accountId, memberId), await issueMemberKey(testApp, accountId, memberId)];
    const otherKey = await issueMemberKey(testApp, accountId, otherId);
    expect(await chat(keys[0]!.key)).toEqual({ status: 200, code: null });

    const removed = await testApp.admin('DELETE', `/admin/accounts/${accountId}/members/${memberId}`);
    expect(removed.status).toBe(200);
    const body = await readJson(removed);
    expect(body).toMatchObject({ id: memberId, revoked_keys: 2, removed_at: expect.any(String) });
    for (const key of keys) expect(await chat(key.key)).toEqual({ status: 401, code: 'key_revoked' });
    expect(await chat(otherKey.key)).toEqual({ status: 200, code: null });
    expect(await chat(ownKey)).toEqual({ status: 200, code: null });

    const again = await readJson(await testApp.admin('DELETE', `/admin/accounts/${accountId}/members/${memberId}`));
    expect(again).toMatchObject({ revoked_keys: 0, removed_at: body.removed_at });
    expect((await testApp.admin('POST', `/admin/accounts/${accountId}/members/${memberId}/keys`, { billing: 'credits' })).status).toBe(409);
    expect((await testApp.admin('PUT', `/admin/accounts/${accountId}/members/${memberId}/spend-caps`, { daily: '1' })).status).toBe(409);

    const spend = await readJson(await testApp.admin('GET', `/admin/accounts/${accountId}/team/spend`));
    const gone = spend.by_member.find((row: { member_id: string }) => row.member_id === memberId);
    expect(gone).toMatchObject({ name: 'Bo', removed_at: body.removed_at, requests: 1 });
    expect([...gone.key_ids].sort()).toEqual(keys.map((key) => key.keyId).sort());
    expect(gone.spent).not.toBe('0.000000');
  });

  test("another account's member is not found; a closed account takes no members", async () => {
    const { accountId } = await fundedAccount();
    const { accountId: otherAccount } = await fundedAccount();
    const memberId = await addMember(testApp, accountId);
    const response = await testApp.admin('DELETE', `/admin/accounts/${otherAccount}/members/${memberId}`);
    expect(response.status).toBe(404);
    expect((await readJson(response)).error).toMatchObject({ code: 'not_found', param: 'memberId' });
    expect((await readJson(await testApp.admin('GET', `/admin/accounts/${accountId}/members`))).data[0].removed_at).toBeNull();

    expect((await testApp.admin('POST', `/admin/accounts/${otherAccount}/close`)).status).toBe(200);
    expect((await testApp.admin('POST', `/admin/accounts/${otherAccount}/members`, { name: 'late' })).status).toBe(409);
    expect((await readJson(await testApp.admin('GET', `/admin/accounts/${otherAccount}/members`))).data).toEqual([]);
  });

  test('bad input is a 400 naming the field and changes nothing', async () => {
    const { accountId, keyId } = await fundedAccount();
    const memberId = await addMember(testApp, accountId);
    const cases: [string, string, unknown, string | null][] = [
      ['POST', `/admin/accounts/${accountId}/members`, {}, 'name'],
      ['POST', `/admin/accounts/${accountId}/members`, { name: 'x', role: 'owner' }, 'role'],
      ['PUT', `/admin/keys/${keyId}/spend-caps`, { daily: '1.0000001' }, 'daily'],
      ['PUT', `/admin/keys/${keyId}/spend-caps`, { monthly: '-3' }, 'monthly'],
      ['PUT', `/admin/accounts/${accountId}/members/${memberId}/spend-caps`, { daily: 'ten' }, 'daily'],
    ];
    for (const [method, path, body, param] of cases) {
      const response = await testApp.admin(method, path, body);
      expect(response.status).toBe(400);
      expect((await readJson(response)).error.param).toBe(param);
    }
    const planKey = await readJson(await testApp.admin('POST', `/admin/accounts/${accountId}/keys`, { billing: 'plan' }));
    expect((await testApp.admin('PUT', `/admin/keys/${planKey.id}/spend-caps`, { daily: '1' })).status).toBe(400);
    for (const subject of [keyId, planKey.id]) {
      expect(await readJson(await testApp.admin('GET', `/admin/keys/${subject}/spend-caps`))).toEqual({ object: 'spend_caps', subject_id: subject, daily: null, monthly: null });
    }
    expect(await readJson(await testApp.admin('GET', `/admin/accounts/${accountId}/members/${memberId}/spend-caps`))).toMatchObject({ daily: null, monthly: null });
    expect((await readJson(await testApp.admin('GET', `/admin/accounts/${accountId}/members`))).data).toHaveLength(1);
    expect((await testApp.admin('GET', `/admin/accounts/${accountId}/team/spend?days=5`)).status).toBe(400);
  });
});
