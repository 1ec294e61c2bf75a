// Shrink-on-demand, the durable half: how a process short of lease credit asks other processes
// for the credit their leases hold but no request of theirs uses, and how an owner gives it
// back. The ask is a stamp on the lease row (leases.reclaim_requested_at_ms); the owner polls
// for its stamped leases and answers by shrinking (or closing) the lease, which clears it.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { assert } from '../shared/assert';
import { drawFromAllocations } from './allocate';
import { lockWalletById, type Trx } from './books';
import { parseAllocations, releaseOnGrants } from './leases';
import type { Allocation } from './model';
import { allocationsToJson, isExpired, rowToGrant } from './rows';

/**
 * Stamps the other owners' open leases on the account that hold credit, and returns their ids;
 * none when there are none, or when free credit and all of theirs together still fall short
 * of `needMicros` (the refusal is then true, and nobody should be disturbed for it).
 */
export async function askLeasesBack(db: Kysely<Database>, input: { accountId: string; owner: string; needMicros: bigint }, nowMs: number): Promise<string[]> {
  const others = await db
    .selectFrom('leases')
    .select(['id', 'amount_micros'])
    .where('account_id', '=', input.accountId)
    .where('status', '=', 'open')
    .where('owner', '!=', input.owner)
    .where('amount_micros', '>', 0n)
    .execute();
  if (others.length === 0) return [];
  const grants = await db.selectFrom('grants').selectAll().where('account_id', '=', input.accountId).where('remaining_micros', '>', 0n).execute();
  const freeMicros = grants.map(rowToGrant).filter((grant) => !isExpired(grant, nowMs)).reduce((sum, grant) => sum + grant.remainingMicros - grant.reservedMicros, 0n);
  const leasedMicros = others.reduce((sum, lease) => sum + BigInt(lease.amount_micros), 0n);
  if (freeMicros + leasedMicros < input.needMicros) return [];
  const ids = others.map((lease) => lease.id);
  await db.updateTable('leases').set({ reclaim_requested_at_ms: BigInt(nowMs) }).where('id', 'in', ids).where('reclaim_requested_at_ms', 'is', null).execute();
  return ids;
}

/** True once every lease asked back has been answered (shrunk, closed or expired). */
export async function leasesAnswered(db: Kysely<Database>, leaseIds: string[]): Promise<boolean> {
  const waiting = await db.selectFrom('leases').select('id').where('id', 'in', leaseIds).where('status', '=', 'open').where('reclaim_requested_at_ms', 'is not', null).limit(1).execute();
  return waiting.length === 0;
}

/** This owner's open leases that another process asked back (the partial index serves it). */
export async function leasesAskedOf(db: Kysely<Database>, owner: string): Promise<string[]> {
  const rows = await db.selectFrom('leases').select('id').where('owner', '=', owner).where('reclaim_requested_at_ms', 'is not', null).where('status', '=', 'open').execute();
  return rows.map((row) => row.id);
}

/**
 * Gives back all of a lease's credit but `keepMicros` (what its requests in flight and its
 * queued charges still need), keeping the allocations that batches draw from first, and
 * clears the ask. Returns the allocations kept, or null when the lease is no longer open.
 */
export async function shrinkLease(trx: Trx, lease: { leaseId: string; accountId: string; keepMicros: bigint }, nowMs: number): Promise<Allocation[] | null> {
  await lockWalletById(trx, lease.accountId, nowMs);
  const row = await trx.selectFrom('leases').select(['allocations', 'amount_micros', 'status']).where('id', '=', lease.leaseId).executeTakeFirst();
  if (!row || row.status !== 'open') return null;
  const { draws: kept, rest: released, shortMicros } = drawFromAllocations(parseAllocations(row.allocations), lease.keepMicros);
  assert(shortMicros === 0n, 'a lease holds at least what its requests still need');
  await releaseOnGrants(trx, lease.accountId, released);
  await trx
    .updateTable('leases')
    .set({ amount_micros: lease.keepMicros, allocations: allocationsToJson(kept), reclaim_requested_at_ms: null, updated_at_ms: BigInt(nowMs) })
    .where('id', '=', lease.leaseId)
    .execute();
  return kept;
}

/** Clears an ask the owner cannot act on (it holds nothing unused, or no longer knows the lease). */
export async function dismissAsk(db: Kysely<Database>, leaseId: string): Promise<void> {
  await db.updateTable('leases').set({ reclaim_requested_at_ms: null }).where('id', '=', leaseId).execute();
}
