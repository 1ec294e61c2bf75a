// What the team routes call: caps read from a request body, and set on a key or a member.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { badRequest } from '../errors';
import * as keys from '../keys/service';
import { parseCreditsToMicros } from '../shared/money';
import { getCaps, setCaps, type SpendCaps } from './caps';
import { getActiveMember } from './members';

export { addMember, getMember, listMembers, removeMember } from './members';
export { getCaps } from './caps';
export { buildSpendReport } from './spend-report';
export { dropSpendHold, takeSpendHold } from './spend-holds';

/** `{daily, monthly}` as micro-credits: a decimal string of credits, or null / absent for none. */
export function capsFromBody(body: { daily?: string | null; monthly?: string | null }): SpendCaps {
  return { dailyMicros: capMicros(body.daily, 'daily'), monthlyMicros: capMicros(body.monthly, 'monthly') };
}

function capMicros(value: string | null | undefined, param: string): bigint | null {
  if (value === undefined || value === null) return null;
  const micros = parseCreditsToMicros(value);
  if (micros === null) throw badRequest(`${param} must be a decimal amount of credits with at most 6 places, such as "25" or "0.5", or null`, param);
  return micros;
}

/**
 * A key's caps. Credit-billed keys only: a plan-billed key never spends from the wallet, so a cap
 * on it would be accepted and never apply (the same rule as key limits, the other way round).
 */
export async function setKeyCaps(db: Kysely<Database>, keyId: string, caps: SpendCaps, nowMs: number): Promise<SpendCaps> {
  const key = await keys.getKey(db, keyId);
  if (key.billing !== 'credits' && (caps.dailyMicros !== null || caps.monthlyMicros !== null)) {
    throw badRequest(`key ${keyId} is billed by plan: spend caps apply to credit-billed keys only (its plan bounds it)`, null);
  }
  return setCaps(db, key.accountId, keyId, caps, nowMs);
}

/** A member's caps, over all of their credit-billed keys together. */
export async function setMemberCaps(db: Kysely<Database>, accountId: string, memberId: string, caps: SpendCaps, nowMs: number): Promise<SpendCaps> {
  await getActiveMember(db, accountId, memberId);
  return setCaps(db, accountId, memberId, caps, nowMs);
}

export async function getKeyCaps(db: Kysely<Database>, keyId: string): Promise<SpendCaps> {
  await keys.getKey(db, keyId);
  return getCaps(db, keyId);
}

export { getActiveMember };
