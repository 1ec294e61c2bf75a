// Spend caps of a key or a member: credits per UTC day and per UTC month, each optional. A subject
// with neither has no spend_caps row at all, so that its keys take no spend hold (keys/auth.ts
// reads whether a row exists). A cap applies to credit-billed requests only: plan-billed keys never
// spend from the wallet, their plan bounds them.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';

export interface SpendCaps {
  dailyMicros: bigint | null;
  monthlyMicros: bigint | null;
}

export const NO_CAPS: SpendCaps = Object.freeze({ dailyMicros: null, monthlyMicros: null });

export async function getCaps(db: Kysely<Database>, subjectId: string): Promise<SpendCaps> {
  const row = await db.selectFrom('spend_caps').select(['daily_micros', 'monthly_micros']).where('subject_id', '=', subjectId).executeTakeFirst();
  if (!row) return NO_CAPS;
  return { dailyMicros: nullableBigint(row.daily_micros), monthlyMicros: nullableBigint(row.monthly_micros) };
}

/** Caps of many subjects at once (the spend report); absent ids have none. */
export async function capsOf(db: Kysely<Database>, accountId: string): Promise<Map<string, SpendCaps>> {
  const rows = await db.selectFrom('spend_caps').selectAll().where('account_id', '=', accountId).execute();
  return new Map(rows.map((row) => [row.subject_id, { dailyMicros: nullableBigint(row.daily_micros), monthlyMicros: nullableBigint(row.monthly_micros) }]));
}

/** Replaces a subject's caps; both null removes its row. */
export async function setCaps(db: Kysely<Database>, accountId: string, subjectId: string, caps: SpendCaps, nowMs: number): Promise<SpendCaps> {
  if (caps.dailyMicros === null && caps.monthlyMicros === null) {
    await db.deleteFrom('spend_caps').where('subject_id', '=', subjectId).execute();
    return NO_CAPS;
  }
  const values = { daily_micros: caps.dailyMicros, monthly_micros: caps.monthlyMicros, updated_at_ms: BigInt(nowMs) };
  await db
    .insertInto('spend_caps')
    .values({ subject_id: subjectId, account_id: accountId, ...values })
    .onConflict((conflict) => conflict.column('subject_id').doUpdateSet(values))
    .execute();
  return caps;
}

function nullableBigint(value: bigint | number | null): bigint | null {
  return value === null ? null : BigInt(value);
}
