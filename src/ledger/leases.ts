// Credit leases, the durable half of the gateway's fast path: a slice of a wallet's credit held
// against grants for one gateway process, exactly as a hold is. Reservations are carved from it
// in memory (meter.ts); charges are drawn from it in batches (settlement.ts). Every function
// here runs inside a transaction that locks the wallet first, like every ledger write.
// A lease is reserved on its grants (grants.reserved_micros), which is what every reservation's
// availability is computed from; wallets.reserved_micros keeps meaning "held by pending holds".
import { newId } from '../shared/ids';
import { mergeAllocations } from './allocate';
import { loadOpenGrants, lockWalletById, saveGrant, type Trx } from './books';
import { reserveOnGrants } from './grants';
import type { Allocation, Grant } from './model';
import { allocationsToJson, isExpired } from './rows';

export interface LeaseRequest {
  /** The process's open lease on this wallet, to grow; null to open a new one. */
  leaseId: string | null;
  accountId: string;
  owner: string;
  /** Fail (402) unless at least this much more can be leased. */
  needMicros: bigint;
  /** Lease up to this much more when the wallet has it: what waiting requests need now. */
  wantMicros: bigint;
  /** Headroom on top of `wantMicros`, taken only while the wallet's free credit is ample. */
  spareMicros: bigint;
  ttlMs: number;
}

export interface LeaseState {
  leaseId: string;
  /** What this call added to the lease. */
  grantedMicros: bigint;
  /** All of the lease's allocations after this call. */
  allocations: Allocation[];
  /** The wallet was short: no headroom was leased, and the lease should go back once idle. */
  tight: boolean;
}

// Headroom is leased only when at least this many times as much would stay free for the
// other replicas: near a low balance every replica leases just what its requests need.
const SPARE_LEFT_FOR_OTHERS = 2n;

/** Opens a lease or grows an open one; a lease that was closed meanwhile is replaced by a new one. */
export async function acquireLease(trx: Trx, input: LeaseRequest, nowMs: number): Promise<LeaseState> {
  const wallet = await lockWalletById(trx, input.accountId, nowMs);
  const freeMicros = freeCreditOf(await loadOpenGrants(trx, input.accountId), nowMs);
  const tight = freeMicros - input.wantMicros < SPARE_LEFT_FOR_OTHERS * input.spareMicros;
  const wantMicros = tight ? input.wantMicros : input.wantMicros + input.spareMicros;
  const { allocations, takenMicros } = await reserveOnGrants(trx, wallet, input.needMicros, wantMicros, nowMs);
  const existing = input.leaseId
    ? await trx.selectFrom('leases').select(['allocations', 'status']).where('id', '=', input.leaseId).executeTakeFirst()
    : undefined;
  if (existing && existing.status === 'open') {
    const merged = mergeAllocations(parseAllocations(existing.allocations), allocations);
    await trx
      .updateTable('leases')
      .set((eb) => ({
        amount_micros: eb('amount_micros', '+', takenMicros),
        allocations: allocationsToJson(merged),
        expires_at_ms: BigInt(nowMs + input.ttlMs),
        updated_at_ms: BigInt(nowMs),
      }))
      .where('id', '=', input.leaseId!)
      .execute();
    return { leaseId: input.leaseId!, grantedMicros: takenMicros, allocations: merged, tight };
  }
  const leaseId = newId('lease');
  await trx
    .insertInto('leases')
    .values({
      id: leaseId,
      account_id: input.accountId,
      owner: input.owner,
      amount_micros: takenMicros,
      allocations: allocationsToJson(allocations),
      status: 'open',
      captured_micros: 0n,
      expires_at_ms: BigInt(nowMs + input.ttlMs),
      created_at_ms: BigInt(nowMs),
      updated_at_ms: BigInt(nowMs),
    })
    .execute();
  return { leaseId, grantedMicros: takenMicros, allocations, tight };
}

/**
 * Releases what a lease holds on each grant (all of it when it closes, the given-back part when it
 * shrinks). A grant gone meanwhile (spent or written off) holds nothing to release. The caller has
 * locked the wallet.
 */
export async function releaseOnGrants(trx: Trx, accountId: string, allocations: Allocation[]): Promise<void> {
  const grants = new Map((await loadOpenGrants(trx, accountId)).map((grant) => [grant.id, grant]));
  for (const allocation of allocations) {
    const grant = grants.get(allocation.grantId);
    if (!grant) continue;
    grant.reservedMicros -= allocation.micros;
    await saveGrant(trx, grant);
  }
}

/** Gives a lease's remaining credit back to the wallet. Closing a closed lease changes nothing. */
export async function closeLease(trx: Trx, leaseId: string, nowMs: number, status: 'closed' | 'expired' = 'closed'): Promise<void> {
  const head = await trx.selectFrom('leases').select('account_id').where('id', '=', leaseId).executeTakeFirst();
  if (!head) return;
  await lockWalletById(trx, head.account_id, nowMs);
  const lease = await trx.selectFrom('leases').selectAll().where('id', '=', leaseId).executeTakeFirstOrThrow();
  if (lease.status !== 'open') return;
  await releaseOnGrants(trx, head.account_id, parseAllocations(lease.allocations));
  await trx
    .updateTable('leases')
    .set({ status, amount_micros: 0n, allocations: '[]', reclaim_requested_at_ms: null, updated_at_ms: BigInt(nowMs) })
    .where('id', '=', leaseId)
    .execute();
}

/** Credit of live grants that no hold or lease reserves: what a new lease can take. */
export function freeCreditOf(grants: Grant[], nowMs: number): bigint {
  return grants.filter((grant) => !isExpired(grant, nowMs)).reduce((sum, grant) => sum + grant.remainingMicros - grant.reservedMicros, 0n);
}

export function parseAllocations(json: string): Allocation[] {
  return (JSON.parse(json) as { grant_id: string; micros: string }[]).map((item) => ({ grantId: item.grant_id, micros: BigInt(item.micros) }));
}
