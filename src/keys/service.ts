// API keys: `ipk_` + 32 random bytes (base64url). Only a SHA-256 hash is stored; a fast hash is
// right here because the key has 256 bits of entropy, so there is nothing to brute-force.
import type { Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, Database } from '../db/schema';
import { badRequest, notFound } from '../errors';
import type { QuotaLimits } from '../quotas/limits';
import { newId } from '../shared/ids';
import { limitsFromRecord, limitsToRecord } from './limits';

export type Billing = ApiKeysTable['billing'];

export interface ApiKey {
  id: string;
  accountId: string;
  name: string | null;
  prefix: string;
  billing: Billing;
  models: string[] | null;
  expiresAtMs: number | null;
  revokedAtMs: number | null;
  createdAtMs: number;
  /**
   * Limits the admin set on this key, meant to be stricter than its plan's (the quota engine
   * applies both); null: the plan's alone. Only plan-billed keys have them.
   */
  limits: QuotaLimits | null;
  /** The team member the key was issued to (src/teams); null: the account's own key. */
  memberId: string | null;
}

export const KEY_PREFIX = 'ipk_';

export function rowToApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    prefix: row.prefix,
    billing: row.billing,
    models: row.models === null ? null : (JSON.parse(row.models) as string[]),
    expiresAtMs: row.expires_at_ms === null ? null : Number(row.expires_at_ms),
    revokedAtMs: row.revoked_at_ms === null ? null : Number(row.revoked_at_ms),
    createdAtMs: Number(row.created_at_ms),
    limits: row.limits === null ? null : limitsFromRecord(JSON.parse(row.limits)),
    memberId: row.member_id,
  };
}

export function hashKey(key: string): string {
  return new Bun.CryptoHasher('sha256').update(key).digest('hex');
}

export function generateKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return KEY_PREFIX + Buffer.from(bytes).toString('base64url');
}

/** Creates a key and returns it in plain text: the only time anyone sees it. */
export async function createKey(
  db: Kysely<Database>,
  accountId: string,
  input: { name: string | null; billing: Billing; models: string[] | null; expiresAtMs: number | null; memberId?: string | null },
  nowMs: number,
): Promise<{ key: string; apiKey: ApiKey }> {
  // A key born expired would only ever answer 401: almost surely a typo in the date.
  if (input.expiresAtMs !== null && input.expiresAtMs <= nowMs) throw badRequest('expires_at must be in the future', 'expires_at');
  const key = generateKey();
  const row = {
    id: newId('key'),
    account_id: accountId,
    name: input.name,
    key_hash: hashKey(key),
    prefix: key.slice(0, KEY_PREFIX.length + 6),
    billing: input.billing,
    models: input.models === null ? null : JSON.stringify(input.models),
    expires_at_ms: input.expiresAtMs === null ? null : BigInt(input.expiresAtMs),
    revoked_at_ms: null,
    created_at_ms: BigInt(nowMs),
    limits: null,
    member_id: input.memberId ?? null,
  };
  await db.insertInto('api_keys').values(row).execute();
  return { key, apiKey: rowToApiKey(row) };
}

export async function listKeys(db: Kysely<Database>, accountId: string): Promise<ApiKey[]> {
  const rows = await db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId).orderBy('created_at_ms').execute();
  return rows.map(rowToApiKey);
}

export async function getKey(db: Kysely<Database>, keyId: string): Promise<ApiKey> {
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', keyId).executeTakeFirst();
  if (!row) throw notFound(`key ${keyId}`, 'id');
  return rowToApiKey(row);
}

/** Revokes a key; revoking twice keeps the first revocation time. */
export async function revokeKey(db: Kysely<Database>, keyId: string, nowMs: number): Promise<ApiKey> {
  await db
    .updateTable('api_keys')
    .set({ revoked_at_ms: BigInt(nowMs) })
    .where('id', '=', keyId)
    .where('revoked_at_ms', 'is', null)
    .execute();
  return getKey(db, keyId);
}

/**
 * Sets (or, with null, clears) a key's own limits. Only plan-billed keys take them: the quota
 * engine bounds plan-billed requests only, so limits on a credit-billed key would be accepted and
 * never applied, and an operator who set them would believe the key bounded when it is not.
 */
export async function setKeyLimits(db: Kysely<Database>, keyId: string, limits: QuotaLimits | null): Promise<ApiKey> {
  const key = await getKey(db, keyId);
  if (limits !== null && key.billing !== 'plan') {
    throw badRequest(`key ${keyId} is billed by credits: limits apply to plan-billed keys only (a credit-billed key is bounded by its wallet)`, null);
  }
  await db
    .updateTable('api_keys')
    .set({ limits: limits === null ? null : JSON.stringify(limitsToRecord(limits)) })
    .where('id', '=', keyId)
    .execute();
  return { ...key, limits };
}
