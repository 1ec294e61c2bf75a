// Keeping the lease slots honest over time: idle leases go back to the wallet, busy ones are
// kept from expiring, and leases other processes asked back (lease-reclaim.ts) give up the
// credit no request of this process holds. All of it runs through the process's Serial.
import type { DbHandle } from '../db';
import { closeLease } from './leases';
import { leasesAskedOf, shrinkLease } from './lease-reclaim';
import type { Serial } from './serial';
import type { Slot, SlotTable } from './meter-slots';
import { log } from '../logs/logger';

// How often a process holding leases looks for asks: one indexed query. It bounds how long a
// request on another replica waits for credit this one holds but does not use.
const RECLAIM_POLL_MS = 100;
const TIDY_MS = 1_000;

export class LeaseUpkeep {
  private readonly timers: ReturnType<typeof setInterval>[];
  private polling = false;
  /** Lease give-backs under way: closeAll waits for them (one started by a settlement is not awaited there). */
  private readonly closing = new Set<Promise<void>>();

  constructor(
    private readonly handle: DbHandle,
    private readonly serial: Serial,
    private readonly table: SlotTable,
  ) {
    this.timers = [setInterval(() => this.tidy(), TIDY_MS), setInterval(() => void this.answerAsks(), RECLAIM_POLL_MS)];
    for (const timer of this.timers) timer.unref();
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  /** After a settlement committed: a tight lease goes back as soon as nothing uses it. */
  settled(slot: Slot): void {
    if (slot.tight && isIdle(slot) && !slot.dead && !this.table.isGrowing(slot.accountId)) void this.closeSlot(slot);
  }

  /** Every second: give idle leases back, and keep busy ones from expiring. */
  private tidy(): void {
    const { now, idleCloseMs, leaseTtlMs } = this.table.options;
    const nowMs = now();
    for (const slot of [...this.table.slots.values()]) {
      const idle = isIdle(slot);
      if (slot.dead || (idle && (slot.tight || nowMs - slot.lastUsedMs >= idleCloseMs))) void this.closeSlot(slot);
      else if (!idle && slot.expiresAtMs - nowMs < leaseTtlMs / 2) void this.extend(slot, nowMs);
    }
  }

  async closeSlot(slot: Slot): Promise<void> {
    if (this.table.slots.get(slot.accountId) === slot) this.table.slots.delete(slot.accountId);
    if (!isIdle(slot)) return; // its requests will settle one by one
    const closing = this.serial.run(() => this.handle.db.transaction().execute((trx) => closeLease(trx, slot.leaseId, this.table.options.now()))).catch((error) => {
      log.error(`[inferport] could not give lease ${slot.leaseId} back; it expires on its own`, error);
    });
    this.closing.add(closing);
    await closing;
    this.closing.delete(closing);
  }

  /** Gives every lease back, and waits for those already going back (a settlement's or the tidy's), before the database closes. */
  async closeAll(): Promise<void> {
    for (const slot of [...this.table.slots.values()]) await this.closeSlot(slot);
    await Promise.all([...this.closing]);
  }

  private async extend(slot: Slot, nowMs: number): Promise<void> {
    slot.expiresAtMs = nowMs + this.table.options.leaseTtlMs;
    await this.serial.run(() =>
      this.handle.db.updateTable('leases').set({ expires_at_ms: BigInt(slot.expiresAtMs), updated_at_ms: BigInt(nowMs) }).where('id', '=', slot.leaseId).where('status', '=', 'open').execute(),
    ).catch(() => {});
  }

  /** Answers the asks for this process's leases. A lease it no longer tracks is being closed, which answers too. */
  private async answerAsks(): Promise<void> {
    if (this.polling || this.table.slots.size === 0) return;
    this.polling = true;
    try {
      const asked = new Set(await leasesAskedOf(this.handle.db, this.table.options.owner));
      for (const slot of [...this.table.slots.values()]) {
        if (!asked.has(slot.leaseId) || slot.dead) continue;
        slot.tight = true; // the wallet is contended: what is left goes back once idle
        if (isIdle(slot)) await this.closeSlot(slot);
        else await this.serial.run(() => this.shrink(slot));
      }
    } catch (error) {
      log.error('[inferport] could not answer lease reclaims; will retry', error);
    } finally {
      this.polling = false;
    }
  }

  /** Gives back the slot's unreserved credit, keeping what its requests in flight and queued charges need. */
  private async shrink(slot: Slot): Promise<void> {
    if (slot.dead || this.table.slots.get(slot.accountId) !== slot) return; // closed meanwhile
    const giveMicros = slot.availableMicros;
    const keepMicros = slot.allocations.reduce((sum, allocation) => sum + allocation.micros, 0n) - giveMicros;
    slot.availableMicros = 0n;
    try {
      const kept = await this.handle.db.transaction().execute((trx) => shrinkLease(trx, { leaseId: slot.leaseId, accountId: slot.accountId, keepMicros }, this.table.options.now()));
      if (kept === null) slot.dead = true; // closed under it (expired): its requests settle one by one
      else slot.allocations = kept;
    } catch (error) {
      slot.availableMicros += giveMicros;
      log.error(`[inferport] could not give back the unused part of lease ${slot.leaseId}`, error);
    }
  }
}

function isIdle(slot: Slot): boolean {
  return slot.inFlight === 0 && slot.queued === 0;
}
