// The gateway's fast path to the ledger. Each process leases a slice of a wallet's credit
// (leases.ts) and hands out reservations from it in memory: no I/O while the lease lasts, and
// no overspend, since the lease itself is a durable reservation that other processes respect.
// Settlements queue up and are written in batches by one serialized writer (group commit):
// while one batch commits, the next gathers. Each caller's promise resolves when its own batch
// has committed, so the gateway answers only after the charge is durable.
import type { DbHandle } from '../db';
import type { UsageRecord } from '../usage/service';
import { assert } from '../shared/assert';
import { drawFromAllocations } from './allocate';
import { acquireLease, closeLease } from './leases';
import type { Allocation } from './model';
import { settleBatch, type LeaseUpdate, type SettlementItem } from './settlement';
import { settleOneByOne } from './settlement-fallback';

export interface MeterOptions {
  /** Names this process in the leases table. */
  owner: string;
  leaseTtlMs: number;
  /** A lease with nothing in flight for this long is given back to the wallet. */
  idleCloseMs: number;
  /** A lease grows by this many times the reservation that needed it, when the wallet has it. */
  growthFactor: bigint;
  now: () => number;
}

/** One account's lease in this process. */
interface Slot {
  accountId: string;
  leaseId: string;
  availableMicros: bigint;
  allocations: Allocation[];
  inFlight: number;
  queued: number;
  lastUsedMs: number;
  expiresAtMs: number;
  /** The lease failed a batch or was replaced: its requests settle one by one. */
  dead: boolean;
}

export interface Reservation {
  holdId: string;
  accountId: string;
  amountMicros: bigint;
  reservedAtMs: number;
  slot: Slot;
}

interface Queued {
  item: SettlementItem;
  slot: Slot | null;
  resolve: (chargedMicros: bigint) => void;
  reject: (error: unknown) => void;
}

const BATCH_ITEMS_MAX = 256;
const FALLBACK_ATTEMPTS = 6;

export class CreditMeter {
  private readonly slots = new Map<string, Slot>();
  private readonly growing = new Map<string, Promise<void>>();
  private queue: Queued[] = [];
  private writer: Promise<unknown> = Promise.resolve();
  private flushing = false;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly handle: DbHandle,
    private readonly options: MeterOptions,
  ) {
    this.timer = setInterval(() => this.tidy(), 1000);
    this.timer.unref();
  }

  /** Reserves `amountMicros` for a request; 402 insufficient_credits when the wallet cannot cover it. */
  async reserve(accountId: string, amountMicros: bigint, holdId: string): Promise<Reservation> {
    for (;;) {
      const slot = this.slots.get(accountId);
      if (slot && !slot.dead && slot.availableMicros >= amountMicros) {
        slot.availableMicros -= amountMicros;
        slot.inFlight += 1;
        slot.lastUsedMs = this.options.now();
        return { holdId, accountId, amountMicros, reservedAtMs: slot.lastUsedMs, slot };
      }
      const pending = this.growing.get(accountId);
      if (pending) {
        await pending;
        continue;
      }
      const growth = this.grow(accountId, slot && !slot.dead ? slot : null, amountMicros);
      this.growing.set(accountId, growth);
      try {
        await growth; // throws 402 when even `amountMicros` cannot be leased
      } finally {
        this.growing.delete(accountId);
      }
    }
  }

  /** Charges a reservation (the excess over it from the lease, if the lease has it) and waits for the commit. */
  settle(reservation: Reservation, chargeMicros: bigint, record: UsageRecord, memo: string): Promise<bigint> {
    const slot = reservation.slot;
    slot.inFlight -= 1;
    let charged = chargeMicros;
    if (charged <= reservation.amountMicros) {
      slot.availableMicros += reservation.amountMicros - charged;
    } else {
      const extra = min(charged - reservation.amountMicros, slot.dead ? 0n : slot.availableMicros);
      slot.availableMicros -= extra;
      charged = reservation.amountMicros + extra;
    }
    return this.enqueue(slot, { ...this.itemOf(reservation, record, memo), outcome: 'posted', chargeMicros: charged });
  }

  /** Gives a reservation back uncharged (upstream failure) and records the request. */
  async release(reservation: Reservation, record: UsageRecord, memo: string): Promise<void> {
    const slot = reservation.slot;
    slot.inFlight -= 1;
    slot.availableMicros += reservation.amountMicros;
    await this.enqueue(slot, { ...this.itemOf(reservation, record, memo), outcome: 'voided', chargeMicros: 0n });
  }

  /** Writes a usage record that moves no money (plan-billed requests), in the next batch. */
  async record(record: UsageRecord): Promise<void> {
    const item: SettlementItem = { holdId: null, accountId: record.accountId, reservedMicros: 0n, reservedAtMs: record.createdAtMs, outcome: 'record', chargeMicros: 0n, draws: [], leaseId: null, memo: '', record };
    await this.enqueue(null, item);
  }

  /**
   * Reservations of this account that are neither settled nor released in this process. A
   * reservation that is never settled keeps its lease renewed for ever, so this must drop back
   * to 0 once the account's requests are over (the gateway's exception-safety tests check it).
   */
  inFlightOf(accountId: string): number {
    return this.slots.get(accountId)?.inFlight ?? 0;
  }

  /** Settles what is queued and gives every lease back (graceful shutdown). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    while (this.queue.length > 0 || this.flushing) await this.serialize(async () => {});
    for (const slot of [...this.slots.values()]) await this.closeSlot(slot);
  }

  private itemOf(reservation: Reservation, record: UsageRecord, memo: string): Omit<SettlementItem, 'outcome' | 'chargeMicros'> {
    return {
      holdId: reservation.holdId,
      accountId: reservation.accountId,
      reservedMicros: reservation.amountMicros,
      reservedAtMs: reservation.reservedAtMs,
      draws: [],
      leaseId: reservation.slot.leaseId,
      memo,
      record: { ...record, holdId: reservation.holdId },
    };
  }

  private async grow(accountId: string, slot: Slot | null, amountMicros: bigint): Promise<void> {
    const needMicros = amountMicros - (slot?.availableMicros ?? 0n);
    const nowMs = this.options.now();
    const state = await this.serialize(() =>
      this.handle.db.transaction().execute((trx) =>
        acquireLease(trx, { leaseId: slot?.leaseId ?? null, accountId, owner: this.options.owner, needMicros, wantMicros: needMicros + amountMicros * this.options.growthFactor, ttlMs: this.options.leaseTtlMs }, nowMs),
      ),
    );
    if (slot && slot.leaseId === state.leaseId) {
      slot.availableMicros += state.grantedMicros;
      slot.allocations = state.allocations;
      slot.expiresAtMs = nowMs + this.options.leaseTtlMs;
      return;
    }
    if (slot) slot.dead = true; // replaced: its lease was closed under it
    this.slots.set(accountId, {
      accountId,
      leaseId: state.leaseId,
      availableMicros: state.grantedMicros,
      allocations: state.allocations,
      inFlight: 0,
      queued: 0,
      lastUsedMs: nowMs,
      expiresAtMs: nowMs + this.options.leaseTtlMs,
      dead: false,
    });
  }

  private enqueue(slot: Slot | null, item: SettlementItem): Promise<bigint> {
    return new Promise<bigint>((resolve, reject) => {
      if (slot) slot.queued += 1;
      this.queue.push({ item, slot, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Writes queued settlements batch after batch until the queue is empty. */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, BATCH_ITEMS_MAX);
        await this.serialize(() => this.writeBatch(batch));
      }
    } finally {
      this.flushing = false;
    }
  }

  private async writeBatch(batch: Queued[]): Promise<void> {
    const nowMs = this.options.now();
    const fast = batch.filter((entry) => !entry.slot?.dead);
    const slow = batch.filter((entry) => entry.slot?.dead);
    const leases = new Map<Slot, LeaseUpdate>();
    for (const entry of fast) {
      const slot = entry.slot;
      if (!slot || entry.item.outcome !== 'posted') continue;
      const { draws, rest, shortMicros } = drawFromAllocations(slot.allocations, entry.item.chargeMicros);
      assert(shortMicros === 0n, 'a lease covers every charge made against it');
      slot.allocations = rest;
      entry.item.draws = draws;
      const update = leases.get(slot) ?? { leaseId: slot.leaseId, accountId: slot.accountId, drawnMicros: 0n, allocations: [], expiresAtMs: nowMs + this.options.leaseTtlMs };
      update.drawnMicros += entry.item.chargeMicros;
      update.allocations = slot.allocations;
      leases.set(slot, update);
    }
    try {
      if (fast.length > 0) await settleBatch(this.handle, fast.map((entry) => entry.item), [...leases.values()], nowMs);
      for (const entry of fast) this.done(entry, entry.item.chargeMicros);
      for (const slot of leases.keys()) slot.expiresAtMs = nowMs + this.options.leaseTtlMs;
    } catch (error) {
      console.error('[inferport] batch settlement failed; settling one by one', error);
      for (const entry of fast) if (entry.slot) entry.slot.dead = true;
      slow.push(...fast);
    }
    if (slow.length > 0) await this.settleSlowly(slow, nowMs);
  }

  /** The fallback: close the leases involved and settle each request on its own, retrying through outages. */
  private async settleSlowly(entries: Queued[], nowMs: number): Promise<void> {
    const leaseIds = [...new Set(entries.flatMap((entry) => (entry.slot ? [entry.slot.leaseId] : [])))];
    for (const entry of entries) if (entry.slot && this.slots.get(entry.slot.accountId) === entry.slot) this.slots.delete(entry.slot.accountId);
    for (let attempt = 1; ; attempt++) {
      try {
        const charged = await settleOneByOne(this.handle, entries.map((entry) => entry.item), leaseIds, nowMs);
        for (const entry of entries) this.done(entry, charged.get(entry.item) ?? 0n);
        return;
      } catch (error) {
        if (attempt >= FALLBACK_ATTEMPTS) {
          for (const entry of entries) this.fail(entry, error);
          return;
        }
        await Bun.sleep(100 * 2 ** attempt);
      }
    }
  }

  private done(entry: Queued, chargedMicros: bigint): void {
    if (entry.slot) entry.slot.queued -= 1;
    entry.resolve(chargedMicros);
  }

  private fail(entry: Queued, error: unknown): void {
    if (entry.slot) entry.slot.queued -= 1;
    entry.reject(error);
  }

  /** Runs durable operations one at a time, so a lease's in-memory mirror never races its row. */
  private serialize<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.writer.then(operation);
    this.writer = result.catch(() => {});
    return result;
  }

  /** Every second: give idle leases back, and keep busy ones from expiring. */
  private tidy(): void {
    const nowMs = this.options.now();
    for (const slot of [...this.slots.values()]) {
      const idle = slot.inFlight === 0 && slot.queued === 0;
      if (slot.dead || (idle && nowMs - slot.lastUsedMs >= this.options.idleCloseMs)) void this.closeSlot(slot);
      else if (!idle && slot.expiresAtMs - nowMs < this.options.leaseTtlMs / 2) void this.extend(slot, nowMs);
    }
  }

  private async closeSlot(slot: Slot): Promise<void> {
    if (this.slots.get(slot.accountId) === slot) this.slots.delete(slot.accountId);
    if (slot.inFlight > 0 || slot.queued > 0) return; // its requests will settle one by one
    await this.serialize(() => this.handle.db.transaction().execute((trx) => closeLease(trx, slot.leaseId, this.options.now()))).catch((error) => {
      console.error(`[inferport] could not give lease ${slot.leaseId} back; it expires on its own`, error);
    });
  }

  private async extend(slot: Slot, nowMs: number): Promise<void> {
    slot.expiresAtMs = nowMs + this.options.leaseTtlMs;
    await this.serialize(() =>
      this.handle.db.updateTable('leases').set({ expires_at_ms: BigInt(slot.expiresAtMs), updated_at_ms: BigInt(nowMs) }).where('id', '=', slot.leaseId).where('status', '=', 'open').execute(),
    ).catch(() => {});
  }
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
