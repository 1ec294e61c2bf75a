// The slow path of settlement, for a batch whose fast path failed. Every step is idempotent.
import type { DbHandle } from '../db';
import { insertUsageRecord } from '../usage/service';
import { closeLease } from './leases';
import { postHold, reserveHold, voidHold } from './holds';
import type { SettlementItem } from './settlement';

/**
 * The slow path, for a batch whose fast path failed (a lease closed under it, a database error):
 * first give the batch's leases back, then settle each item in its own transaction with the
 * ordinary hold functions, drawing the charge from the wallet's free credit. Every step is
 * idempotent, so this may be retried after a failure halfway.
 */
export async function settleOneByOne(handle: DbHandle, items: SettlementItem[], leaseIds: string[], nowMs: number): Promise<Map<SettlementItem, bigint>> {
  for (const leaseId of leaseIds) await handle.db.transaction().execute((trx) => closeLease(trx, leaseId, nowMs));
  const charged = new Map<SettlementItem, bigint>();
  for (const item of items) {
    const result = await handle.db.transaction().execute(async (trx) => {
      if (item.outcome === 'record') {
        const exists = await trx.selectFrom('usage_records').select('id').where('id', '=', item.record!.id).executeTakeFirst();
        if (!exists) await insertUsageRecord(trx, item.record!);
        return 0n;
      }
      const done = await trx.selectFrom('holds').select(['id', 'posted_micros']).where('idempotency_key', '=', `request:${item.holdId}`).executeTakeFirst();
      if (done) return done.posted_micros === null ? 0n : BigInt(done.posted_micros);
      const hold = await reserveHold(trx, { accountId: item.accountId, amountMicros: 0n, idempotencyKey: `request:${item.holdId}`, ttlMs: 60_000 }, nowMs);
      let chargedMicros = 0n;
      if (item.outcome === 'posted') {
        chargedMicros = (await postHold(trx, { holdId: hold.id, amountMicros: item.chargeMicros, idempotencyKey: `charge:${item.record!.id}`, memo: item.memo }, nowMs)).chargedMicros;
      } else {
        await voidHold(trx, hold.id, nowMs);
      }
      if (item.record) await insertUsageRecord(trx, { ...item.record, holdId: hold.id, costMicros: chargedMicros });
      return chargedMicros;
    });
    charged.set(item, result);
  }
  return charged;
}
