// The low-balance alert: it fires once when the wallet's balance falls below the account's
// threshold, and is armed again only once the balance is back at or above it. Firing is one
// conditional UPDATE of the armed flag (armed, and the balance below the threshold, read in the
// same statement) in the transaction that records the alert: however many processes evaluate
// the same crossing, one UPDATE wins and one alert is recorded.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { formatMicros } from '../shared/money';
import { recordAlert } from './service';

const balanceOf = sql<bigint>`coalesce((select w.balance_micros from wallets w where w.account_id = alert_settings.account_id), 0)`;

interface Candidate {
  accountId: string;
  armed: boolean;
}

/**
 * Accounts among `accountIds` (every account when null) whose low-balance state should change:
 * armed and below the threshold (to fire), or fired and back at or above it (to re-arm).
 */
async function findCandidates(db: Kysely<Database>, accountIds: readonly string[] | null, limit: number): Promise<Candidate[]> {
  let query = db
    .selectFrom('alert_settings')
    .select(['account_id', 'low_balance_armed'])
    .where('low_balance_threshold_micros', 'is not', null)
    .where((eb) =>
      eb.or([
        eb.and([eb('low_balance_armed', '=', 1), eb('low_balance_threshold_micros', '>', balanceOf)]),
        eb.and([eb('low_balance_armed', '=', 0), eb('low_balance_threshold_micros', '<=', balanceOf)]),
      ]),
    )
    .orderBy('account_id')
    .limit(limit);
  if (accountIds !== null) query = query.where('account_id', 'in', [...accountIds]);
  return (await query.execute()).map((row) => ({ accountId: row.account_id, armed: Number(row.low_balance_armed) === 1 }));
}

/** Fires or re-arms the low-balance alert of the candidate accounts; answers how many alerts were recorded. */
export async function evaluateLowBalance(db: Kysely<Database>, accountIds: readonly string[] | null, nowMs: number, limit: number): Promise<number> {
  if (accountIds !== null && accountIds.length === 0) return 0;
  let fired = 0;
  for (const candidate of await findCandidates(db, accountIds, limit)) {
    if (candidate.armed) fired += (await fireLowBalance(db, candidate.accountId, nowMs)) ? 1 : 0;
    else await rearmLowBalance(db, candidate.accountId);
  }
  return fired;
}

async function fireLowBalance(db: Kysely<Database>, accountId: string, nowMs: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const won = await trx
      .updateTable('alert_settings')
      .set({ low_balance_armed: 0 })
      .where('account_id', '=', accountId)
      .where('low_balance_armed', '=', 1)
      .where('low_balance_threshold_micros', '>', balanceOf)
      .returning('low_balance_threshold_micros')
      .executeTakeFirst();
    if (!won) return false;
    const wallet = await trx.selectFrom('wallets').select('balance_micros').where('account_id', '=', accountId).executeTakeFirst();
    const threshold = formatMicros(BigInt(won.low_balance_threshold_micros!));
    const balance = formatMicros(BigInt(wallet?.balance_micros ?? 0n));
    const message = `The credit balance is ${balance}, below the low-balance alert's ${threshold}.`;
    await recordAlert(trx, { accountId, kind: 'low_balance', message, data: { balance, threshold } }, nowMs);
    return true;
  });
}

async function rearmLowBalance(db: Kysely<Database>, accountId: string): Promise<void> {
  await db
    .updateTable('alert_settings')
    .set({ low_balance_armed: 1 })
    .where('account_id', '=', accountId)
    .where('low_balance_armed', '=', 0)
    .where('low_balance_threshold_micros', '<=', balanceOf)
    .execute();
}
