// Spend holds: the room a capped request takes under its key's and member's caps before it is
// forwarded. They are not the wallet's reservation (the meter's lease still carries that); they
// exist because a lease is per process, so its in-memory bookkeeping cannot see what another
// replica's requests of the same key hold. A capped request therefore pays one transaction: lock
// the caps rows of its key and member (PostgreSQL: FOR UPDATE, in id order so two requests never
// deadlock; SQLite: the database's one write lock), read in ONE statement what they spent in the
// window (key_spend_daily, kept with the charges by a trigger) and what their open holds reserve,
// and insert its own hold if everything fits. One statement, because on PostgreSQL's READ
// COMMITTED each statement has its own snapshot: two statements could see a hold deleted after
// its charge committed but not the charge itself, and so undercount.
//
// The hold is deleted only after the request's charge (at most the hold, see gateway/settle.ts)
// has committed, so at every moment a request is counted at least once. A hold whose process died
// expires (expires_at_ms: the longest a request may stream, plus a margin) and is then deleted:
// until then the cap counts it, which errs on the side of refusing.
import { log } from '../logs/logger';
import { sql, type Kysely } from 'kysely';
import { withRowLock } from '../db/dialect';
import type { Database } from '../db/schema';
import { assertWithinCaps, type SubjectSpend } from './cap-check';
import { capWindows, type CapWindows } from './windows';

export interface SpendHoldInput {
  /** The request's id, also its usage record's. */
  id: string;
  accountId: string;
  keyId: string;
  memberId: string | null;
  amountMicros: bigint;
  expiresAtMs: number;
}

/**
 * Takes the request's room under its caps; throws 429 spend_cap_reached (nothing held) when it does
 * not fit. Returns false when neither the key nor its member has a cap any more (nothing held).
 */
export async function takeSpendHold(db: Kysely<Database>, input: SpendHoldInput, nowMs: number): Promise<boolean> {
  const windows = capWindows(nowMs);
  return db.transaction().execute(async (trx) => {
    const subjectIds = input.memberId === null ? [input.keyId] : [input.keyId, input.memberId];
    const caps = await withRowLock(trx, trx.selectFrom('spend_caps').selectAll().where('subject_id', 'in', subjectIds).orderBy('subject_id')).execute();
    if (caps.length === 0) return false;
    await trx
      .deleteFrom('spend_holds')
      .where('expires_at_ms', '<=', BigInt(nowMs))
      .where((eb) => (input.memberId === null ? eb('key_id', '=', input.keyId) : eb.or([eb('key_id', '=', input.keyId), eb('member_id', '=', input.memberId)])))
      .execute();
    const subjects = await readSubjectSpend(trx, caps.map((cap) => ({ kind: cap.subject_id === input.keyId ? 'key' : 'member', cap })), windows);
    assertWithinCaps(subjects, input.amountMicros, windows, nowMs);
    await trx
      .insertInto('spend_holds')
      .values({
        id: input.id,
        account_id: input.accountId,
        key_id: input.keyId,
        member_id: input.memberId,
        amount_micros: input.amountMicros,
        created_at_ms: BigInt(nowMs),
        expires_at_ms: BigInt(input.expiresAtMs),
      })
      .execute();
    return true;
  });
}

/**
 * Deletes a request's hold once its charge committed (or it was refused or released uncharged).
 * It never throws: a hold that could not be deleted only waits for its expiry (the caps count it
 * meanwhile, erring on the side of refusing), and the caller's own outcome matters more.
 */
export async function dropSpendHold(db: Kysely<Database>, id: string): Promise<void> {
  try {
    await db.deleteFrom('spend_holds').where('id', '=', id).execute();
  } catch (error) {
    log.error(`[inferport] request ${id}: dropping its spend hold failed (it expires by itself)`, error);
  }
}

interface LockedCap {
  kind: 'key' | 'member';
  cap: { subject_id: string; daily_micros: bigint | null; monthly_micros: bigint | null };
}

/** Every figure of every subject in one statement, so that all of them share one snapshot. */
async function readSubjectSpend(db: Kysely<Database>, locked: LockedCap[], windows: CapWindows): Promise<SubjectSpend[]> {
  const columns = locked.flatMap(({ kind, cap }, index) => {
    const keys = kind === 'key' ? sql`key_id = ${cap.subject_id}` : sql`key_id IN (SELECT id FROM api_keys WHERE member_id = ${cap.subject_id})`;
    const holds = kind === 'key' ? sql`key_id = ${cap.subject_id}` : sql`member_id = ${cap.subject_id}`;
    return [
      sql`CAST((SELECT coalesce(sum(cost_micros), 0) FROM key_spend_daily WHERE ${keys} AND day_index = ${windows.today}) AS bigint) AS ${sql.raw(`day_${index}`)}`,
      sql`CAST((SELECT coalesce(sum(cost_micros), 0) FROM key_spend_daily WHERE ${keys} AND day_index >= ${windows.monthFirst} AND day_index <= ${windows.today}) AS bigint) AS ${sql.raw(`month_${index}`)}`,
      sql`CAST((SELECT coalesce(sum(amount_micros), 0) FROM spend_holds WHERE ${holds}) AS bigint) AS ${sql.raw(`held_${index}`)}`,
    ];
  });
  const { rows } = await sql<Record<string, bigint | number>>`SELECT ${sql.join(columns)}`.execute(db);
  const row = rows[0]!;
  return locked.map(({ kind, cap }, index) => ({
    kind,
    subjectId: cap.subject_id,
    dailyCapMicros: cap.daily_micros === null ? null : BigInt(cap.daily_micros),
    monthlyCapMicros: cap.monthly_micros === null ? null : BigInt(cap.monthly_micros),
    daySpentMicros: BigInt(row[`day_${index}`]!),
    monthSpentMicros: BigInt(row[`month_${index}`]!),
    heldMicros: BigInt(row[`held_${index}`]!),
  }));
}
