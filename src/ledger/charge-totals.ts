// The balance side of charge rows (charge-rows.ts): what each grant, wallet and lease gives up,
// summed over a set of charges so that each row is updated once, in a fixed order.
import { assert } from '../shared/assert';
import type { DrawSource, GrantRow, LeaseRow, LeaseUpdate, WalletRow } from './charge-types';
import type { Allocation } from './model';
import { allocationsToJson } from './rows';

interface Delta {
  spent: bigint;
  released: bigint;
}

export interface Totals {
  grants: Map<string, Delta>;
  wallets: Map<string, Delta>;
  /** What the charges drew from each lease, to check against the lease updates. */
  leases: Map<string, bigint>;
}

export function addTotals(totals: Totals, accountId: string, source: DrawSource, draws: Allocation[], chargedMicros: bigint): void {
  const add = (map: Map<string, Delta>, key: string, spent: bigint, released: bigint) => {
    const delta = map.get(key) ?? { spent: 0n, released: 0n };
    map.set(key, { spent: delta.spent + spent, released: delta.released + released });
  };
  // A lease's draw uses up the lease's reservation on that grant; free credit was reserved by nobody.
  for (const draw of draws) add(totals.grants, draw.grantId, draw.micros, source.kind === 'lease' ? draw.micros : 0n);
  let releasedMicros = 0n;
  if (source.kind === 'hold') {
    // A standalone hold is released in full, whatever the charge.
    for (const allocation of source.allocations) add(totals.grants, allocation.grantId, 0n, allocation.micros);
    releasedMicros = source.allocations.reduce((sum, allocation) => sum + allocation.micros, 0n);
  }
  if (source.kind === 'lease') totals.leases.set(source.leaseId, (totals.leases.get(source.leaseId) ?? 0n) + chargedMicros);
  add(totals.wallets, accountId, chargedMicros, releasedMicros);
}

export function walletRows(totals: Totals, now: bigint): WalletRow[] {
  return sortedById(totals.wallets)
    .filter(([, delta]) => delta.spent !== 0n || delta.released !== 0n)
    .map(([accountId, delta]) => ({ account_id: accountId, spent_micros: delta.spent, released_micros: delta.released, updated_at_ms: now }));
}

export function grantRows(totals: Totals): GrantRow[] {
  return sortedById(totals.grants)
    .filter(([, delta]) => delta.spent !== 0n || delta.released !== 0n)
    .map(([id, delta]) => ({ id, spent_micros: delta.spent, released_micros: delta.released }));
}

/** The lease rows, after checking that each lease gives up exactly what was drawn from it. */
export function leaseRows(totals: Totals, leases: LeaseUpdate[], now: bigint): LeaseRow[] {
  const seen = new Set<string>();
  for (const lease of leases) {
    assert(!seen.has(lease.leaseId), `lease ${lease.leaseId} is updated once per batch`);
    seen.add(lease.leaseId);
    const drawn = totals.leases.get(lease.leaseId) ?? 0n;
    assert(drawn === lease.drawnMicros, `lease ${lease.leaseId} gives up what its charges drew (${lease.drawnMicros} != ${drawn})`);
  }
  for (const [leaseId, drawn] of totals.leases) assert(drawn === 0n || seen.has(leaseId), `lease ${leaseId} is updated with its charges`);
  return leases.map((lease) => ({
    id: lease.leaseId,
    drawn_micros: lease.drawnMicros,
    allocations: allocationsToJson(lease.allocations),
    expires_at_ms: BigInt(lease.expiresAtMs),
    updated_at_ms: now,
  }));
}

/** Sorted by key, so concurrent batches lock rows in one order. */
function sortedById<T>(map: Map<string, T>): [string, T][] {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
