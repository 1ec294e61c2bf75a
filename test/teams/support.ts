// Team fixtures driven through the admin API as an operator would: members, their keys, caps.
import OpenAI from 'openai';
import type { TestApp } from '../support/app';

export interface MemberKey {
  keyId: string;
  key: string;
  client: (baseUrl: string) => OpenAI;
}

async function created(response: Response, what: string): Promise<any> {
  if (response.status !== 201 && response.status !== 200) throw new Error(`${what} failed: ${response.status} ${await response.text()}`);
  return response.json();
}

export async function addMember(testApp: TestApp, accountId: string, name = 'member'): Promise<string> {
  return (await created(await testApp.admin('POST', `/admin/accounts/${accountId}/members`, { name }), 'adding a member')).id;
}

export async function issueMemberKey(testApp: TestApp, accountId: string, memberId: string): Promise<MemberKey> {
  const body = await created(await testApp.admin('POST', `/admin/accounts/${accountId}/members/${memberId}/keys`, { billing: 'credits' }), 'issuing a member key');
  return { keyId: body.id, key: body.key, client: (baseUrl) => new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: body.key, maxRetries: 0 }) };
}

export async function capKey(testApp: TestApp, keyId: string, caps: { daily?: string | null; monthly?: string | null }): Promise<void> {
  await created(await testApp.admin('PUT', `/admin/keys/${keyId}/spend-caps`, caps), 'capping a key');
}

export async function capMember(testApp: TestApp, accountId: string, memberId: string, caps: { daily?: string | null; monthly?: string | null }): Promise<void> {
  await created(await testApp.admin('PUT', `/admin/accounts/${accountId}/members/${memberId}/spend-caps`, caps), 'capping a member');
}

/** What the ledger charged each key of the account: its usage records' costs (the charge each request row carries). */
export async function chargesByKey(testApp: TestApp, accountId: string): Promise<Map<string, bigint>> {
  const rows = await testApp.context.db.selectFrom('usage_records').select(['key_id', 'cost_micros', 'charge_status']).where('account_id', '=', accountId).execute();
  const totals = new Map<string, bigint>();
  for (const row of rows) if (row.charge_status === 'posted') totals.set(row.key_id, (totals.get(row.key_id) ?? 0n) + BigInt(row.cost_micros));
  return totals;
}

export async function openSpendHolds(testApp: TestApp, accountId: string): Promise<number> {
  const rows = await testApp.context.db.selectFrom('spend_holds').select('id').where('account_id', '=', accountId).execute();
  return rows.length;
}
