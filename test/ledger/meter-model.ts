// A reference model of the path that bills traffic: each gateway process holds a lease on the
// wallet (a durable reservation against grants) and carves requests' reservations from it in
// memory; the sweeper expires leases whose process stopped renewing them; idle leases go back.
// Written from the meter's rules as README.md and the meter's comments state them, not from its
// code, so that the test can demand exact equality with the database. Grants, spending order
// and write-offs come from the holds model (ledger-model.ts), which encodes PRODUCT.md.
// Settlement (batches and the one-by-one fallback) is in meter-model-settle.ts.
import { LedgerModel, minMicros, type ModelAllocation } from './ledger-model';

export interface MeterRules {
  leaseTtlMs: number;
  idleCloseMs: number;
  growthFactor: bigint;
}

export interface ModelLease {
  owner: string;
  status: 'open' | 'closed' | 'expired';
  /** As the leases row holds them; [] once closed. */
  allocations: ModelAllocation[];
  expiresAtMs: number;
}

/** A process's in-memory view of its lease. */
export interface ModelSlot {
  lease: ModelLease;
  availableMicros: bigint;
  /** The process's copy of the lease's allocations, drawn down as it settles. */
  allocations: ModelAllocation[];
  inFlight: number;
  lastUsedMs: number;
  expiresAtMs: number;
  /** Replaced, or its batch failed: its requests settle one by one. */
  dead: boolean;
}

export interface ModelProcess {
  owner: string;
  slot: ModelSlot | null;
}

export interface ModelRequest {
  holdId: string;
  recordId: string;
  slot: ModelSlot;
  amountMicros: bigint;
  state: 'open' | 'settled' | 'lost';
  outcome: 'posted' | 'voided' | null;
  chargedMicros: bigint | null;
}

/** The one lease growth a process runs at a time, and the reservations waiting on it. */
interface Growth {
  by: number;
  waiters: number[];
  slot: ModelSlot | null;
  needMicros: bigint;
  wantMicros: bigint;
}

export class MeterModel {
  readonly books = new LedgerModel();
  readonly leases: ModelLease[] = [];
  readonly requests: ModelRequest[] = [];
  /** Usage rows the ledger must hold: record id → cost. */
  readonly usage = new Map<string, bigint>();

  constructor(
    readonly rules: MeterRules,
    readonly note: (what: string) => void,
  ) {}

  /**
   * Reservations asked of one process at once. Each takes from the lease when it has enough;
   * otherwise one growth runs at a time and the others wait for it, so a refused growth refuses
   * every reservation that waited on it. Returns each request, or null for a 402.
   */
  reserveBurst(process: ModelProcess, asks: { holdId: string; recordId: string; amountMicros: bigint }[], nowMs: number): (ModelRequest | null)[] {
    const results: (ModelRequest | null)[] = asks.map(() => null);
    let growth = null as Growth | null;
    const attempt = (index: number) => {
      const ask = asks[index]!;
      const slot = process.slot;
      if (slot && !slot.dead && slot.availableMicros >= ask.amountMicros) {
        slot.availableMicros -= ask.amountMicros;
        slot.inFlight += 1;
        slot.lastUsedMs = nowMs;
        const request: ModelRequest = { ...ask, slot, state: 'open', outcome: null, chargedMicros: null };
        this.requests.push(request);
        results[index] = request;
        return;
      }
      if (growth) {
        growth.waiters.push(index);
        this.note('reserve waited on another growth');
        return;
      }
      const base = slot && !slot.dead ? slot : null;
      const needMicros = ask.amountMicros - (base?.availableMicros ?? 0n);
      growth = { by: index, waiters: [], slot: base, needMicros, wantMicros: needMicros + ask.amountMicros * this.rules.growthFactor };
    };
    asks.forEach((_, index) => attempt(index));
    while (growth) {
      const current: Growth = growth;
      growth = null;
      if (!this.grow(process, current.slot, current.needMicros, current.wantMicros, nowMs)) {
        if (current.waiters.length > 0) this.note('growth refused its waiters too');
        continue;
      }
      for (const index of [current.by, ...current.waiters]) attempt(index);
    }
    return results;
  }

  /** Leases between need and want of live credit in spending order; false (402, nothing written) below need. */
  private grow(process: ModelProcess, slot: ModelSlot | null, needMicros: bigint, wantMicros: bigint, nowMs: number): boolean {
    const allocations: ModelAllocation[] = [];
    let takenMicros = 0n;
    for (const grant of this.books.liveGrants(nowMs)) {
      const take = minMicros(wantMicros - takenMicros, grant.remainingMicros - grant.reservedMicros);
      if (take <= 0n) continue;
      allocations.push({ grantId: grant.id, micros: take });
      takenMicros += take;
    }
    if (takenMicros < needMicros) {
      this.note(this.leases.some((lease) => lease.status === 'open' && lease.owner !== process.owner) ? 'reserve refused while another process holds a lease' : 'reserve refused');
      return false;
    }
    if (this.books.writeOffExpired(nowMs) > 0n) this.note('reserve wrote off expired credit');
    for (const allocation of allocations) this.books.grant(allocation.grantId).reservedMicros += allocation.micros;
    const expiresAtMs = nowMs + this.rules.leaseTtlMs;
    if (slot && slot.lease.status === 'open') {
      slot.lease.allocations = mergeAllocations(slot.lease.allocations, allocations);
      slot.lease.expiresAtMs = expiresAtMs;
      slot.allocations = cloneAllocations(slot.lease.allocations);
      slot.availableMicros += takenMicros;
      slot.expiresAtMs = expiresAtMs;
      this.note('lease grown');
      return true;
    }
    if (slot) {
      slot.dead = true;
      this.note('lease replaced after it was closed under its process');
    }
    const lease: ModelLease = { owner: process.owner, status: 'open', allocations, expiresAtMs };
    this.leases.push(lease);
    process.slot = { lease, availableMicros: takenMicros, allocations: cloneAllocations(allocations), inFlight: 0, lastUsedMs: nowMs, expiresAtMs, dead: false };
    this.note('lease opened');
    return true;
  }

  /** One housekeeping tick: give an idle lease back, keep a busy one from expiring. */
  tidy(process: ModelProcess, nowMs: number): void {
    const slot = process.slot;
    if (!slot) return;
    const idle = slot.inFlight === 0;
    if (slot.dead || (idle && nowMs - slot.lastUsedMs >= this.rules.idleCloseMs)) {
      if (this.closeSlot(process, slot)) this.note('idle lease given back');
    } else if (!idle && slot.expiresAtMs - nowMs < this.rules.leaseTtlMs / 2) {
      slot.expiresAtMs = nowMs + this.rules.leaseTtlMs;
      if (slot.lease.status === 'open') slot.lease.expiresAtMs = slot.expiresAtMs;
      this.note('busy lease extended');
    }
  }

  /** Graceful shutdown (nothing queued, as the test settles first): every lease goes back. */
  close(process: ModelProcess): void {
    if (process.slot && this.closeSlot(process, process.slot)) this.note('close gave the lease back');
  }

  private closeSlot(process: ModelProcess, slot: ModelSlot): boolean {
    if (process.slot === slot) process.slot = null;
    if (slot.inFlight > 0) return false;
    return this.closeLease(slot.lease, 'closed');
  }

  /** Releases what the lease still holds on its grants; a lease no longer open is left alone. */
  closeLease(lease: ModelLease, status: 'closed' | 'expired'): boolean {
    if (lease.status !== 'open') return false;
    for (const allocation of lease.allocations) this.books.grant(allocation.grantId).reservedMicros -= allocation.micros;
    lease.status = status;
    lease.allocations = [];
    return true;
  }

  /** The sweeper: expire leases past their time (their processes are gone), then write off expired credit. */
  sweep(nowMs: number, liveOwners: Set<string>): { holdsExpired: number; walletsWrittenOff: number } {
    for (const lease of this.leases) {
      if (lease.status !== 'open' || lease.expiresAtMs > nowMs) continue;
      this.closeLease(lease, 'expired');
      this.note(liveOwners.has(lease.owner) ? 'sweep expired the lease of a stalled process' : 'sweep expired the lease of a crashed process');
    }
    const writtenOff = this.books.writeOffExpired(nowMs);
    if (writtenOff > 0n) this.note('sweep wrote off expired credit');
    return { holdsExpired: 0, walletsWrittenOff: writtenOff > 0n ? 1 : 0 };
  }
}

export function leaseMicros(lease: ModelLease): bigint {
  return lease.allocations.reduce((sum, allocation) => sum + allocation.micros, 0n);
}

export function cloneAllocations(allocations: ModelAllocation[]): ModelAllocation[] {
  return allocations.map((allocation) => ({ ...allocation }));
}

/** Adds `extra` to `base`, merging entries of the same grant and keeping base's order. */
function mergeAllocations(base: ModelAllocation[], extra: ModelAllocation[]): ModelAllocation[] {
  const merged = cloneAllocations(base);
  for (const allocation of extra) {
    const existing = merged.find((item) => item.grantId === allocation.grantId);
    if (existing) existing.micros += allocation.micros;
    else merged.push({ ...allocation });
  }
  return merged;
}
