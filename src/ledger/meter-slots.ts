// The lease slots: this process's lease on each busy wallet, mirrored in memory, so that a
// request's reservation is carved from it with no I/O. For every slot,
//   sum(allocations) = availableMicros + reservations in flight + charges queued,
// where the allocations are the lease row's (a batch draws charges from their head). Every
// durable change to a lease runs through the process's Serial, so it never races a batch.
import type { DbHandle } from '../db';
import { ApiError } from '../errors';
import { acquireLease } from './leases';
import { askLeasesBack, leasesAnswered } from './lease-reclaim';
import type { Allocation } from './model';
import type { Serial } from './serial';

export interface SlotOptions {
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
export interface Slot {
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
  /** The wallet is short (no headroom leased, or another process asked): give it back once idle. */
  tight: boolean;
}

/** A lease growth under way for an account, which other reservations of it wait for. */
interface Growth {
  done: Promise<void>;
  amountMicros: bigint;
}

// How often one reservation may find its slot short and wait for (or start) a growth. Each
// growth leases what every waiting reservation needs, so two or three rounds are the norm.
const RESERVE_ATTEMPTS_MAX = 16;
// After asking other processes for their unused lease credit: how long to wait for the last
// answer at most (an owner that died answers only when its lease expires), and how often to
// retry leasing meanwhile.
const RECLAIM_WAIT_MS = 2_000;
const RECLAIM_RETRY_MS = 25;

export class SlotTable {
  readonly slots = new Map<string, Slot>();
  private readonly growing = new Map<string, Growth>();
  /** Micro-credits of reservations waiting for a growth, per account: the next growth leases them too. */
  private readonly waitingMicros = new Map<string, bigint>();

  constructor(
    private readonly handle: DbHandle,
    private readonly serial: Serial,
    readonly options: SlotOptions,
  ) {}

  /** Carves `amountMicros` from the account's slot, growing the lease as needed; 402 when the wallet cannot cover it. */
  async take(accountId: string, amountMicros: bigint): Promise<Slot> {
    for (let attempt = 1; attempt <= RESERVE_ATTEMPTS_MAX; attempt++) {
      const slot = this.slots.get(accountId);
      if (slot && !slot.dead && slot.availableMicros >= amountMicros) {
        slot.availableMicros -= amountMicros;
        slot.inFlight += 1;
        slot.lastUsedMs = this.options.now();
        return slot;
      }
      const pending = this.growing.get(accountId);
      if (pending) {
        await this.waitForGrowth(accountId, amountMicros, pending);
        continue;
      }
      const growth = { done: this.grow(accountId, amountMicros), amountMicros };
      this.growing.set(accountId, growth);
      try {
        await growth.done; // throws 402 when even `amountMicros` cannot be leased
      } finally {
        this.growing.delete(accountId);
      }
    }
    throw new ApiError(503, 'service_unavailable', `Could not reserve credit for this request after ${RESERVE_ATTEMPTS_MAX} attempts: too many requests of this account are reserving at once. Retry shortly.`);
  }

  /** Shares the outcome of another reservation's growth: its 402 holds for this one unless this one is smaller. */
  private async waitForGrowth(accountId: string, amountMicros: bigint, growth: Growth): Promise<void> {
    this.waitingMicros.set(accountId, (this.waitingMicros.get(accountId) ?? 0n) + amountMicros);
    try {
      await growth.done;
    } catch (error) {
      if (!isInsufficientCredits(error) || amountMicros >= growth.amountMicros) throw error;
    } finally {
      const left = this.waitingMicros.get(accountId)! - amountMicros;
      if (left === 0n) this.waitingMicros.delete(accountId);
      else this.waitingMicros.set(accountId, left);
    }
  }

  /**
   * Leases more credit for the account. When the wallet's free credit falls short, asks the
   * other processes holding leases on it for their unused credit and retries until they have
   * all answered (or RECLAIM_WAIT_MS passed). The 402 is final only when one more attempt fails
   * after that: credit given back between an attempt and the look at the leases is then seen.
   */
  private async grow(accountId: string, amountMicros: bigint): Promise<void> {
    const deadlineMs = this.options.now() + RECLAIM_WAIT_MS;
    let asked: string[] | null = null;
    let lastAttempt = false;
    for (;;) {
      try {
        return await this.serial.run(() => this.acquire(accountId, amountMicros));
      } catch (error) {
        if (!isInsufficientCredits(error) || lastAttempt) throw error;
      }
      if (asked === null) {
        asked = await askLeasesBack(this.handle.db, { accountId, owner: this.options.owner, needMicros: this.shortOf(accountId, amountMicros) }, this.options.now());
        lastAttempt = asked.length === 0;
      } else {
        lastAttempt = this.options.now() >= deadlineMs || (await leasesAnswered(this.handle.db, asked));
      }
      if (!lastAttempt) await Bun.sleep(RECLAIM_RETRY_MS);
    }
  }

  private shortOf(accountId: string, amountMicros: bigint): bigint {
    const slot = this.liveSlot(accountId);
    return amountMicros - (slot?.availableMicros ?? 0n);
  }

  private liveSlot(accountId: string): Slot | null {
    const slot = this.slots.get(accountId);
    return slot && !slot.dead ? slot : null;
  }

  /** One attempt to lease what the slot lacks (run serialized). */
  private async acquire(accountId: string, amountMicros: bigint): Promise<void> {
    const slot = this.liveSlot(accountId);
    const needMicros = amountMicros - (slot?.availableMicros ?? 0n);
    // Credit came back while this attempt waited its turn. Without a slot there is nothing to carve
    // from yet, even for a reservation of 0 (a free model): open the lease all the same.
    if (slot && needMicros <= 0n) return;
    const waitingMicros = this.waitingMicros.get(accountId) ?? 0n;
    const nowMs = this.options.now();
    const { leaseTtlMs: ttlMs, owner, growthFactor } = this.options;
    const state = await this.handle.db.transaction().execute((trx) =>
      acquireLease(trx, { leaseId: slot?.leaseId ?? null, accountId, owner, needMicros, wantMicros: needMicros + waitingMicros, spareMicros: amountMicros * growthFactor, ttlMs }, nowMs),
    );
    if (slot && slot.leaseId === state.leaseId) {
      slot.availableMicros += state.grantedMicros;
      slot.allocations = state.allocations;
      slot.expiresAtMs = nowMs + ttlMs;
      slot.tight = state.tight;
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
      expiresAtMs: nowMs + ttlMs,
      dead: false,
      tight: state.tight,
    });
  }

  /** True while a reservation of the account waits for its lease to grow. */
  isGrowing(accountId: string): boolean {
    return this.growing.has(accountId);
  }
}

export function isInsufficientCredits(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'insufficient_credits';
}
