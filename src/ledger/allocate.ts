// Pure allocation math shared by holds and leases: which grants a reservation is held against,
// and which grants a charge is drawn from.
import { assert } from '../shared/assert';
import type { Allocation, Grant } from './model';
import { compareSpendingOrder, isExpired } from './rows';

/** Takes up to `amount` of unreserved credit from `live` (already in spending order). */
export function takeUnreserved(live: Grant[], amount: bigint): { allocations: Allocation[]; takenMicros: bigint } {
  const allocations: Allocation[] = [];
  let needed = amount;
  for (const grant of live) {
    if (needed === 0n) break;
    const free = grant.remainingMicros - grant.reservedMicros;
    const take = free < needed ? free : needed;
    if (take <= 0n) continue;
    allocations.push({ grantId: grant.id, micros: take });
    needed -= take;
  }
  return { allocations, takenMicros: amount - needed };
}

/** Draws `amount` from allocations in order; returns the draws and what is left of them. */
export function drawFromAllocations(allocations: Allocation[], amount: bigint): { draws: Allocation[]; rest: Allocation[]; shortMicros: bigint } {
  const draws: Allocation[] = [];
  const rest: Allocation[] = [];
  let needed = amount;
  for (const allocation of allocations) {
    const take = allocation.micros < needed ? allocation.micros : needed;
    if (take > 0n) draws.push({ grantId: allocation.grantId, micros: take });
    if (allocation.micros > take) rest.push({ grantId: allocation.grantId, micros: allocation.micros - take });
    needed -= take;
  }
  return { draws, rest, shortMicros: needed };
}

/** Adds allocations to a list, merging entries of the same grant. */
export function mergeAllocations(base: Allocation[], extra: Allocation[]): Allocation[] {
  const merged = base.map((allocation) => ({ ...allocation }));
  for (const allocation of extra) {
    const existing = merged.find((item) => item.grantId === allocation.grantId);
    if (existing) existing.micros += allocation.micros;
    else merged.push({ ...allocation });
  }
  return merged;
}

/**
 * Chooses the grants a charge is drawn from, in the transaction that applies it: first the
 * reservation's own allocations (credit it holds, even on a grant that expired since), then
 * unreserved credit of live grants in spending order. What neither covers is `shortMicros`.
 * `grants` are the account's open grants as loaded; they are not changed.
 */
export function chooseDraws(grants: Grant[], reserved: Allocation[], amount: bigint, nowMs: number): { draws: Allocation[]; shortMicros: bigint } {
  const state = new Map(grants.map((grant) => [grant.id, { grant, remaining: grant.remainingMicros, reserved: grant.reservedMicros }]));
  const draws: Allocation[] = [];
  let needed = amount;
  const take = (grantId: string, micros: bigint) => {
    if (micros <= 0n) return;
    state.get(grantId)!.remaining -= micros;
    needed -= micros;
    draws.push({ grantId, micros });
  };
  for (const allocation of reserved) {
    const held = state.get(allocation.grantId);
    assert(held, `allocated grant ${allocation.grantId} still holds credit`);
    held.reserved -= allocation.micros; // released in full, whatever is drawn
    take(allocation.grantId, allocation.micros < needed ? allocation.micros : needed);
  }
  const live = grants.filter((grant) => !isExpired(grant, nowMs)).sort(compareSpendingOrder);
  for (const grant of live) {
    if (needed === 0n) break;
    const held = state.get(grant.id)!;
    const free = held.remaining - held.reserved;
    take(grant.id, free < needed ? free : needed);
  }
  return { draws: mergeAllocations([], draws), shortMicros: needed };
}
