// A reference model of one account's ledger, written from PRODUCT.md's money rules and kept
// independent of src/ledger so that the property test checks the real code against it. It
// models grants, reservations against grants, posts, voids, expiry write-offs and the sweeper
// exactly, so the test can demand exact equality with the database, not just plausibility.
import type { GrantKind, HoldStatus } from '../../src/ledger/service';

export interface ModelGrant {
  id: string;
  kind: GrantKind;
  amountMicros: bigint;
  remainingMicros: bigint;
  reservedMicros: bigint;
  expiresAtMs: number | null;
  createdAtMs: number;
}

export interface ModelAllocation {
  grantId: string;
  micros: bigint;
}

export interface ModelHold {
  id: string;
  key: string;
  amountMicros: bigint;
  allocations: ModelAllocation[];
  status: HoldStatus;
  postedMicros: bigint | null;
  expiresAtMs: number;
}

/** A charge that was recorded under an idempotency key. */
export interface RecordedCharge {
  fingerprint: string;
  transactionId: string;
  chargedMicros: bigint;
}

export type PostPrediction =
  | { kind: 'replay'; charge: RecordedCharge }
  | { kind: 'error'; code: 'idempotency_conflict' | 'hold_not_pending' }
  | { kind: 'charge' };

export function isGrantExpired(grant: ModelGrant, nowMs: number): boolean {
  return grant.expiresAtMs !== null && grant.expiresAtMs <= nowMs;
}

/** Soonest-expiring first (never-expiring last), promo before paid, oldest first, then id. */
export function compareModelGrants(a: ModelGrant, b: ModelGrant): number {
  const expiryA = a.expiresAtMs ?? Infinity;
  const expiryB = b.expiresAtMs ?? Infinity;
  if (expiryA !== expiryB) return expiryA < expiryB ? -1 : 1;
  if (a.kind !== b.kind) return a.kind === 'promo' ? -1 : 1;
  if (a.createdAtMs !== b.createdAtMs) return a.createdAtMs - b.createdAtMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function chargeFingerprint(holdId: string, amountMicros: bigint): string {
  return `${holdId}|${amountMicros}`;
}

export class LedgerModel {
  readonly grants: ModelGrant[] = [];
  readonly holds: ModelHold[] = [];
  /** Charges by idempotency key. */
  readonly charges = new Map<string, RecordedCharge>();
  grantedMicros = 0n;
  chargedMicros = 0n;
  expiredMicros = 0n;

  /** What the wallet's cached balance must be: every grant's remaining, expired or not. */
  balanceMicros(): bigint {
    return this.grants.reduce((sum, grant) => sum + grant.remainingMicros, 0n);
  }

  reservedMicros(): bigint {
    return this.holds.filter((hold) => hold.status === 'pending').reduce((sum, hold) => sum + hold.amountMicros, 0n);
  }

  liveGrants(nowMs: number): ModelGrant[] {
    return this.grants.filter((grant) => grant.remainingMicros > 0n && !isGrantExpired(grant, nowMs)).sort(compareModelGrants);
  }

  availableMicros(nowMs: number): bigint {
    return this.liveGrants(nowMs).reduce((sum, grant) => sum + grant.remainingMicros - grant.reservedMicros, 0n);
  }

  addGrant(grant: ModelGrant): void {
    this.grants.push(grant);
    this.grantedMicros += grant.amountMicros;
  }

  /** The allocations a reservation would get, or null when the live credit cannot cover it. */
  planReserve(amountMicros: bigint, nowMs: number): ModelAllocation[] | null {
    const allocations: ModelAllocation[] = [];
    let needed = amountMicros;
    for (const grant of this.liveGrants(nowMs)) {
      if (needed === 0n) break;
      const take = minMicros(needed, grant.remainingMicros - grant.reservedMicros);
      if (take <= 0n) continue;
      allocations.push({ grantId: grant.id, micros: take });
      needed -= take;
    }
    return needed > 0n ? null : allocations;
  }

  /** A successful reservation also writes off expired credit first (a failed one rolls back). */
  applyReserve(hold: Omit<ModelHold, 'status' | 'postedMicros'>, nowMs: number): void {
    this.writeOffExpired(nowMs);
    for (const allocation of hold.allocations) this.grant(allocation.grantId).reservedMicros += allocation.micros;
    this.holds.push({ ...hold, status: 'pending', postedMicros: null });
  }

  /** What a post will do; for a charge, `applyPost` then gives the exact amount. */
  predictPost(hold: ModelHold, amountMicros: bigint, key: string): PostPrediction {
    const recorded = this.charges.get(key);
    if (recorded) {
      if (recorded.fingerprint !== chargeFingerprint(hold.id, amountMicros)) return { kind: 'error', code: 'idempotency_conflict' };
      return { kind: 'replay', charge: recorded };
    }
    if (hold.status !== 'pending') return { kind: 'error', code: 'hold_not_pending' };
    return { kind: 'charge' };
  }

  /** Applies a post the way PRODUCT.md says: the hold's grants first, then live credit in order. */
  applyPost(hold: ModelHold, amountMicros: bigint, key: string, transactionId: string, nowMs: number): { chargedMicros: bigint; shortfallMicros: bigint } {
    let remaining = amountMicros;
    for (const allocation of hold.allocations) {
      const grant = this.grant(allocation.grantId);
      const take = minMicros(remaining, allocation.micros);
      grant.reservedMicros -= allocation.micros;
      grant.remainingMicros -= take;
      remaining -= take;
    }
    for (const grant of this.liveGrants(nowMs)) {
      if (remaining === 0n) break;
      const take = minMicros(remaining, grant.remainingMicros - grant.reservedMicros);
      if (take <= 0n) continue;
      grant.remainingMicros -= take;
      remaining -= take;
    }
    const chargedMicros = amountMicros - remaining;
    hold.status = 'posted';
    hold.postedMicros = chargedMicros;
    this.chargedMicros += chargedMicros;
    this.charges.set(key, { fingerprint: chargeFingerprint(hold.id, amountMicros), transactionId, chargedMicros });
    return { chargedMicros, shortfallMicros: remaining };
  }

  release(hold: ModelHold, status: 'voided' | 'expired'): void {
    for (const allocation of hold.allocations) this.grant(allocation.grantId).reservedMicros -= allocation.micros;
    hold.status = status;
  }

  /** Writes off the unreserved part of every expired grant; returns how much. */
  writeOffExpired(nowMs: number): bigint {
    let total = 0n;
    for (const grant of this.grants) {
      const amount = grant.remainingMicros - grant.reservedMicros;
      if (!isGrantExpired(grant, nowMs) || amount <= 0n) continue;
      grant.remainingMicros -= amount;
      total += amount;
    }
    this.expiredMicros += total;
    return total;
  }

  /** The sweeper: expire stale pending holds, then write off expired credit. */
  sweep(nowMs: number): { holdsExpired: number; walletsWrittenOff: number } {
    const stale = this.holds.filter((hold) => hold.status === 'pending' && hold.expiresAtMs <= nowMs);
    for (const hold of stale) this.release(hold, 'expired');
    const writtenOff = this.writeOffExpired(nowMs);
    return { holdsExpired: stale.length, walletsWrittenOff: writtenOff > 0n ? 1 : 0 };
  }

  grant(id: string): ModelGrant {
    const grant = this.grants.find((candidate) => candidate.id === id);
    if (!grant) throw new Error(`model has no grant ${id}`);
    return grant;
  }
}

export function minMicros(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
