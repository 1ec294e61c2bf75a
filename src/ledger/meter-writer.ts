// The group-commit writer: settlements queue up and one serialized writer writes them in
// batches; while one batch commits, the next gathers. Each caller's promise resolves when its
// own batch has committed, so the gateway answers only after the charge is durable. A batch
// that fails is settled one by one (settlement-fallback.ts), retrying through outages.
import type { DbHandle } from '../db';
import { assert } from '../shared/assert';
import { drawFromAllocations } from './allocate';
import type { Slot } from './meter-slots';
import type { Serial } from './serial';
import { settleBatch, type LeaseUpdate, type SettlementItem } from './settlement';
import { settleOneByOne } from './settlement-fallback';
import { log } from '../logs/logger';

interface Queued {
  item: SettlementItem;
  slot: Slot | null;
  resolve: (chargedMicros: bigint) => void;
  reject: (error: unknown) => void;
}

export interface WriterHooks {
  leaseTtlMs: number;
  now: () => number;
  /** A settlement of `slot` committed or failed for good. */
  settled: (slot: Slot) => void;
  /** The slot's lease is being given up: its requests settle one by one from now on. */
  forget: (slot: Slot) => void;
  /** At most this many settlements wait for a batch (QUEUE_ITEMS_MAX unless a test sets it). */
  queueItemsMax?: number;
  /**
   * Charges of these accounts have just committed, so their balances may have crossed a
   * threshold (auto-refill). Called after the batch's callers are answered, and must only note
   * the ids: it runs on the settlement path, which never waits on what it starts.
   */
  charged?: (accountIds: string[]) => void;
  /** A batch of `size` settlements committed in `ms` (metrics); like `charged`, it must not wait or throw. */
  batch?: (size: number, ms: number) => void;
}

const BATCH_ITEMS_MAX = 256;
// At most this many settlements wait for a batch; more callers wait for room (back-pressure on
// the requests finishing) rather than grow memory without bound. None is ever dropped.
const QUEUE_ITEMS_MAX = 4_096;
const FALLBACK_ATTEMPTS = 6;

export class SettlementWriter {
  private queue: Queued[] = [];
  private readonly roomWaiters: (() => void)[] = [];
  private flushing = false;

  constructor(
    private readonly handle: DbHandle,
    private readonly serial: Serial,
    private readonly hooks: WriterHooks,
  ) {}

  /** Queues a settlement (waiting for room when the queue is full) and resolves with what was charged once it committed. */
  async write(slot: Slot | null, item: SettlementItem): Promise<bigint> {
    if (slot) slot.queued += 1; // counted from now on, so the slot is not given back under it
    while (this.queue.length >= (this.hooks.queueItemsMax ?? QUEUE_ITEMS_MAX)) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    return new Promise<bigint>((resolve, reject) => {
      this.queue.push({ item, slot, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Settlements waiting for a batch (not those waiting for room, nor the batch being written). */
  get queuedCount(): number {
    return this.queue.length;
  }

  /** Resolves once everything queued, or waiting for room, has been written. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.flushing || this.roomWaiters.length > 0) await this.serial.run(async () => {});
  }

  /** Writes queued settlements batch after batch until the queue is empty. */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, BATCH_ITEMS_MAX);
        for (const wake of this.roomWaiters.splice(0)) wake();
        await this.serial.run(() => this.writeBatch(batch));
      }
    } finally {
      this.flushing = false;
    }
  }

  private async writeBatch(batch: Queued[]): Promise<void> {
    const nowMs = this.hooks.now();
    const fast = batch.filter((entry) => !entry.slot?.dead);
    const slow = batch.filter((entry) => entry.slot?.dead);
    const leases = this.drawCharges(fast, nowMs);
    try {
      const startedAt = performance.now();
      if (fast.length > 0) await settleBatch(this.handle, fast.map((entry) => entry.item), [...leases.values()], nowMs);
      if (fast.length > 0) this.noteBatch(fast.length, performance.now() - startedAt);
      for (const entry of fast) this.done(entry, entry.item.chargeMicros);
      for (const slot of leases.keys()) slot.expiresAtMs = nowMs + this.hooks.leaseTtlMs;
      this.noteCharged(fast.filter((entry) => entry.item.outcome === 'posted' && entry.item.chargeMicros > 0n));
    } catch (error) {
      log.error('[inferport] batch settlement failed; settling one by one', error);
      for (const entry of fast) if (entry.slot) entry.slot.dead = true;
      slow.push(...fast);
    }
    if (slow.length > 0) await this.settleSlowly(slow, nowMs);
  }

  /** Draws each posted charge from the head of its lease's allocations; returns the leases' updates. */
  private drawCharges(entries: Queued[], nowMs: number): Map<Slot, LeaseUpdate> {
    const leases = new Map<Slot, LeaseUpdate>();
    for (const entry of entries) {
      const slot = entry.slot;
      if (!slot || entry.item.outcome !== 'posted') continue;
      const { draws, rest, shortMicros } = drawFromAllocations(slot.allocations, entry.item.chargeMicros);
      assert(shortMicros === 0n, 'a lease covers every charge made against it');
      slot.allocations = rest;
      entry.item.draws = draws;
      const update = leases.get(slot) ?? { leaseId: slot.leaseId, accountId: slot.accountId, drawnMicros: 0n, allocations: [], expiresAtMs: nowMs + this.hooks.leaseTtlMs };
      update.drawnMicros += entry.item.chargeMicros;
      update.allocations = slot.allocations;
      leases.set(slot, update);
    }
    return leases;
  }

  /** The fallback: close the leases involved and settle each request on its own, retrying through outages. */
  private async settleSlowly(entries: Queued[], nowMs: number): Promise<void> {
    const leaseIds = [...new Set(entries.flatMap((entry) => (entry.slot ? [entry.slot.leaseId] : [])))];
    for (const entry of entries) if (entry.slot) this.hooks.forget(entry.slot);
    for (let attempt = 1; ; attempt++) {
      try {
        const charged = await settleOneByOne(this.handle, entries.map((entry) => entry.item), leaseIds, nowMs);
        for (const entry of entries) this.done(entry, charged.get(entry.item) ?? 0n);
        this.noteCharged(entries.filter((entry) => (charged.get(entry.item) ?? 0n) > 0n));
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

  /** Hands a committed batch's size and time to the `batch` hook; it runs inside the batch's try, so it may not throw. */
  private noteBatch(size: number, ms: number): void {
    try {
      this.hooks.batch?.(size, ms);
    } catch (error) {
      log.error('[inferport] the settlement-batch hook failed', error);
    }
  }

  /** Hands the accounts of committed charges to the `charged` hook; its failure is only logged. */
  private noteCharged(entries: Queued[]): void {
    if (!this.hooks.charged || entries.length === 0) return;
    try {
      this.hooks.charged([...new Set(entries.map((entry) => entry.item.accountId))]);
    } catch (error) {
      log.error('[inferport] the after-charge hook failed', error);
    }
  }

  private done(entry: Queued, chargedMicros: bigint): void {
    this.finish(entry);
    entry.resolve(chargedMicros);
  }

  private fail(entry: Queued, error: unknown): void {
    this.finish(entry);
    entry.reject(error);
  }

  private finish(entry: Queued): void {
    if (!entry.slot) return;
    entry.slot.queued -= 1;
    this.hooks.settled(entry.slot);
  }
}
