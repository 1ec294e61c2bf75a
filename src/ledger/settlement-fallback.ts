// The slow path of settlement, for a batch whose fast path failed. Every step is idempotent.
import type { DbHandle } from '../db';
import { assert } from '../shared/assert';
import { chooseDraws } from './allocate';
import { loadOpenGrants, lockWalletById, type Trx } from './books';
import { buildChargeRows } from './charge-rows';
import { closeLease } from './leases';
import { applyChargeRows, chargeOfItem, type SettlementItem } from './settlement';

/**
 * The slow path, for a batch whose fast path failed (a lease closed under it, a database error):
 * first give the batch's leases back, then settle each item as a batch of one, through the same
 * rows as the fast path, drawing the charge from the wallet's free credit instead of a lease.
 * Every step is idempotent, so this may be retried after a failure halfway.
 */
export async function settleOneByOne(handle: DbHandle, items: SettlementItem[], leaseIds: string[], nowMs: number): Promise<Map<SettlementItem, bigint>> {
  for (const leaseId of leaseIds) await handle.db.transaction().execute((trx) => closeLease(trx, leaseId, nowMs));
  const charged = new Map<SettlementItem, bigint>();
  for (const item of items) charged.set(item, await handle.db.transaction().execute((trx) => settleAlone(trx, item, nowMs)));
  return charged;
}

/** Settles one item in the caller's transaction; a replay returns what the first run charged. */
async function settleAlone(trx: Trx, item: SettlementItem, nowMs: number): Promise<bigint> {
  assert(item.record !== null, 'a settled request has its usage record');
  // The request's row is its idempotency key: once it exists, the request is settled.
  const findDone = () => trx.selectFrom('usage_records').select('cost_micros').where('id', '=', item.record!.id).executeTakeFirst();
  if (item.outcome === 'record') {
    if (!(await findDone())) await applyChargeRows(trx, buildChargeRows([chargeOfItem(item, { kind: 'free' }, [])], [], nowMs));
    return 0n;
  }
  await lockWalletById(trx, item.accountId, nowMs);
  const done = await findDone();
  if (done) return BigInt(done.cost_micros);
  // Chosen under the wallet lock, so no other write can reserve or spend the same credit meanwhile.
  const { draws } = item.outcome === 'posted' ? chooseDraws(await loadOpenGrants(trx, item.accountId), [], item.chargeMicros, nowMs) : { draws: [] };
  await applyChargeRows(trx, buildChargeRows([chargeOfItem(item, { kind: 'free' }, draws)], [], nowMs));
  return draws.reduce((sum, draw) => sum + draw.micros, 0n);
}
