// A reference model of the path that bills traffic: each gateway process holds a lease on the
// wallet (a durable reservation against grants) and carves requests' reservations from it in
// memory; the sweeper expires leases whose process stopped renewing them; idle leases go back.
// Written from the meter's rules as README.md and the meter's comments state them, not from its
// code, so that the test can demand exact equality with the database. Grants, spending order
// and write-offs come from the holds model (ledger-model.ts), which encodes PRODUCT.md.
// Settlement (batches and the one-by-one fallback) is in meter-model-settle.ts.
import { growLease } from './meter-model-grow';
import { LedgerModel, type ModelAllocation } from './ledger-model';

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
  /** Another process asked for its unused credit (leases.reclaim_requested_at_ms is set). */
  asked: boolean;
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
  /** Leased without headroom (the wallet was short) or asked back: goes back as soon as it is idle. */
  tight: boolean;
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
}

/** A usage row as the lean write path writes it: the request's charge is on it (no hold row). */
export interface ModelUsage {
  costMicros: bigint;
  /** null for a record that moves no money. */
  status: 'posted' | 'voided' | null;
  reservedMicros: bigint;
  /** The grants its cost was drawn from. */
  draws: ModelAllocation[];
}

export interface Ask {
  holdId: string;
  recordId: string;
  amountMicros: bigint;
}

export class MeterModel {
  readonly books = new LedgerModel();
  readonly leases: ModelLease[] = [];
  readonly requests: ModelRequest[] = [];
  /** Usage rows the ledger must hold, each carrying its request's charge: record id → row. */
  readonly usage = new Map<string, ModelUsage>();

  constructor(
    readonly rules: MeterRules,
    readonly note: (what: string) => void,
  ) {}

  /**
   * Reservations asked of one process at once. Each takes from the lease when it has enough;
   * otherwise one growth runs at a time (leasing what its waiters need too) and the others wait
   * for it. A refused growth refuses the waiters at least as large; smaller ones try again.
   * `others` are the other running processes, which answer asks for their leases' unused
   * credit. Returns each request (null for a 402) and the time after (a growth may wait out a
   * dead process's lease, RECLAIM_WAIT_MS).
   */
  reserveBurst(process: ModelProcess, others: ModelProcess[], asks: Ask[], startMs: number): { results: (ModelRequest | null)[]; nowMs: number } {
    const clock = { nowMs: startMs };
    const results: (ModelRequest | null)[] = asks.map(() => null);
    let growth = null as Growth | null;
    const attempt = (index: number) => {
      const ask = asks[index]!;
      const slot = process.slot;
      if (slot && !slot.dead && slot.availableMicros >= ask.amountMicros) {
        slot.availableMicros -= ask.amountMicros;
        slot.inFlight += 1;
        slot.lastUsedMs = clock.nowMs;
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
      growth = { by: index, waiters: [] };
    };
    for (let index = 0; index < asks.length; index++) attempt(index);
    while (growth) {
      const current: Growth = growth;
      growth = null;
      const amountMicros = asks[current.by]!.amountMicros;
      const waitingMicros = current.waiters.reduce((sum, index) => sum + asks[index]!.amountMicros, 0n);
      if (growLease(this, { process, others, clock }, amountMicros, waitingMicros)) {
        for (const index of [current.by, ...current.waiters]) attempt(index);
        continue;
      }
      const retrying = current.waiters.filter((index) => asks[index]!.amountMicros < amountMicros);
      if (retrying.length < current.waiters.length) this.note('growth refused its waiters too');
      if (retrying.length > 0) this.note('smaller reservation retried after a refused growth');
      for (const index of retrying) attempt(index);
    }
    return { results, nowMs: clock.nowMs };
  }

  /** One housekeeping tick: give an idle lease back, keep a busy one from expiring. */
  tidy(process: ModelProcess, nowMs: number): void {
    const slot = process.slot;
    if (!slot) return;
    const idle = slot.inFlight === 0;
    if (slot.dead || (idle && (slot.tight || nowMs - slot.lastUsedMs >= this.rules.idleCloseMs))) {
      const tight = slot.tight && !slot.dead && nowMs - slot.lastUsedMs < this.rules.idleCloseMs;
      if (this.closeSlot(process, slot)) this.note(tight ? 'tight lease given back by the housekeeping tick' : 'idle lease given back');
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

  /** Forgets the slot and gives its lease back, unless requests are still in flight on it. */
  closeSlot(process: ModelProcess, slot: ModelSlot): boolean {
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
    lease.asked = false;
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
export function mergeAllocations(base: ModelAllocation[], extra: ModelAllocation[]): ModelAllocation[] {
  const merged = cloneAllocations(base);
  for (const allocation of extra) {
    const existing = merged.find((item) => item.grantId === allocation.grantId);
    if (existing) existing.micros += allocation.micros;
    else merged.push({ ...allocation });
  }
  return merged;
}
