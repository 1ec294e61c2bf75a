// Where a gateway request meets the ledger: reserve before forwarding, then charge-and-record
// or release-and-record in one transaction each, so a charge never exists without its usage
// record and a record never claims a charge that did not happen.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import * as ledger from '../ledger/service';
import { insertUsageRecord, type UsageRecord } from '../usage/service';

const SETTLE_ATTEMPTS = 6;

/** Charges the hold and writes the usage record; retried through a short database outage. */
export async function chargeHold(db: Kysely<Database>, holdId: string, record: UsageRecord, nowMs: number): Promise<ledger.PostResult> {
  return withRetry(() =>
    db.transaction().execute(async (trx) => {
      const result = await ledger.postHold(trx, { holdId, amountMicros: record.costMicros, idempotencyKey: `charge:${record.id}`, memo: `${record.endpoint} ${record.model}` }, nowMs);
      if (!result.replayed) await insertUsageRecord(trx, { ...record, costMicros: result.chargedMicros });
      return result;
    }),
  );
}

/** Releases the hold without charging and writes the usage record. */
export async function releaseHold(db: Kysely<Database>, holdId: string, record: UsageRecord, nowMs: number): Promise<void> {
  await withRetry(() =>
    db.transaction().execute(async (trx) => {
      const hold = await ledger.voidHold(trx, holdId, nowMs);
      if (hold.status === 'voided' && !(await hasRecord(trx, record.id))) await insertUsageRecord(trx, { ...record, costMicros: 0n });
    }),
  );
}

export async function recordPlanUsage(db: Kysely<Database>, record: UsageRecord): Promise<void> {
  await withRetry(() => insertUsageRecord(db, record));
}

async function hasRecord(db: Kysely<Database>, id: string): Promise<boolean> {
  return (await db.selectFrom('usage_records').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/**
 * Retries a settlement through a brief database outage (about 6 s in all). Only errors that are
 * not ours are retried: a domain error (409, 404) will not change by waiting. The writes are
 * idempotent, so a retry after a lost commit acknowledgement cannot charge twice.
 */
async function withRetry<T>(action: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (attempt >= SETTLE_ATTEMPTS || (error as { status?: number }).status !== undefined) throw error;
      await Bun.sleep(100 * 2 ** attempt);
    }
  }
}
