// Team members: people under one account and its wallet, each with keys of their own. Removing a
// member is final and revokes every key issued to them in the same transaction, so no request of
// theirs can start afterwards (on other replicas: within cache.key_ttl_ms, as for any revocation).
// The row stays, so their past spend is still reported by name.
import type { Kysely, Selectable } from 'kysely';
import type { Database, TeamMembersTable } from '../db/schema';
import { ApiError, notFound } from '../errors';
import { newId } from '../shared/ids';

export interface Member {
  id: string;
  accountId: string;
  name: string;
  email: string | null;
  createdAtMs: number;
  removedAtMs: number | null;
}

export function rowToMember(row: Selectable<TeamMembersTable>): Member {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    email: row.email,
    createdAtMs: Number(row.created_at_ms),
    removedAtMs: row.removed_at_ms === null ? null : Number(row.removed_at_ms),
  };
}

export async function addMember(db: Kysely<Database>, accountId: string, input: { name: string; email: string | null }, nowMs: number): Promise<Member> {
  const row = { id: newId('mem'), account_id: accountId, name: input.name, email: input.email, created_at_ms: BigInt(nowMs), removed_at_ms: null };
  await db.insertInto('team_members').values(row).execute();
  return rowToMember(row);
}

export async function listMembers(db: Kysely<Database>, accountId: string): Promise<Member[]> {
  const rows = await db.selectFrom('team_members').selectAll().where('account_id', '=', accountId).orderBy('created_at_ms').orderBy('id').execute();
  return rows.map(rowToMember);
}

/** The account's member; 404 when it is another account's (ids are not secrets, but paths must agree). */
export async function getMember(db: Kysely<Database>, accountId: string, memberId: string): Promise<Member> {
  const row = await db.selectFrom('team_members').selectAll().where('id', '=', memberId).where('account_id', '=', accountId).executeTakeFirst();
  if (!row) throw notFound(`member ${memberId}`, 'memberId');
  return rowToMember(row);
}

/** A member that may still be given keys and caps: 409 once removed. */
export async function getActiveMember(db: Kysely<Database>, accountId: string, memberId: string): Promise<Member> {
  const member = await getMember(db, accountId, memberId);
  if (member.removedAtMs !== null) throw new ApiError(409, 'conflict', `member ${memberId} was removed`, 'memberId');
  return member;
}

/** Removes a member and revokes their keys; removing twice keeps the first removal. Returns the keys it revoked. */
export async function removeMember(db: Kysely<Database>, accountId: string, memberId: string, nowMs: number): Promise<{ member: Member; revokedKeys: number }> {
  await getMember(db, accountId, memberId);
  const revokedKeys = await db.transaction().execute(async (trx) => {
    await trx.updateTable('team_members').set({ removed_at_ms: BigInt(nowMs) }).where('id', '=', memberId).where('removed_at_ms', 'is', null).execute();
    const revoked = await trx.updateTable('api_keys').set({ revoked_at_ms: BigInt(nowMs) }).where('member_id', '=', memberId).where('revoked_at_ms', 'is', null).executeTakeFirst();
    return Number(revoked.numUpdatedRows);
  });
  return { member: await getMember(db, accountId, memberId), revokedKeys };
}
