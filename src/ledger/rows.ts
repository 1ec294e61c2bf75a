// Row mapping for the ledger tables, and the spending order of grants.
import type { Selectable } from 'kysely';
import type { GrantsTable, HoldsTable } from '../db/schema';
import type { Allocation, Grant, Hold } from './model';

export function rowToGrant(row: Selectable<GrantsTable>): Grant {
  return {
    id: row.id,
    accountId: row.account_id,
    kind: row.kind,
    source: row.source,
    amountMicros: BigInt(row.amount_micros),
    remainingMicros: BigInt(row.remaining_micros),
    reservedMicros: BigInt(row.reserved_micros),
    expiresAtMs: row.expires_at_ms === null ? null : Number(row.expires_at_ms),
    createdAtMs: Number(row.created_at_ms),
  };
}

export function rowToHold(row: Selectable<HoldsTable>): Hold {
  const allocations = (JSON.parse(row.allocations) as { grant_id: string; micros: string }[]).map((item) => ({
    grantId: item.grant_id,
    micros: BigInt(item.micros),
  }));
  return {
    id: row.id,
    accountId: row.account_id,
    amountMicros: BigInt(row.amount_micros),
    allocations,
    status: row.status,
    postedMicros: row.posted_micros === null ? null : BigInt(row.posted_micros),
    expiresAtMs: Number(row.expires_at_ms),
    createdAtMs: Number(row.created_at_ms),
  };
}

export function allocationsToJson(allocations: Allocation[]): string {
  return JSON.stringify(allocations.map((item) => ({ grant_id: item.grantId, micros: item.micros.toString() })));
}

export function isExpired(grant: Grant, nowMs: number): boolean {
  return grant.expiresAtMs !== null && grant.expiresAtMs <= nowMs;
}

/**
 * Spending order (PRODUCT.md): soonest-expiring first with never-expiring last, then promo
 * before paid, then oldest first. The id breaks ties so the order is total.
 */
export function compareSpendingOrder(a: Grant, b: Grant): number {
  const expiryA = a.expiresAtMs ?? Number.POSITIVE_INFINITY;
  const expiryB = b.expiresAtMs ?? Number.POSITIVE_INFINITY;
  if (expiryA !== expiryB) return expiryA < expiryB ? -1 : 1;
  if (a.kind !== b.kind) return a.kind === 'promo' ? -1 : 1;
  if (a.createdAtMs !== b.createdAtMs) return a.createdAtMs - b.createdAtMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
