// Temporary blocks of client addresses that keep failing to authenticate ([abuse] in the
// config). Counted in this process's memory: each replica counts the failures it sees, so an
// attacker spread over R replicas gets up to R times the allowance before every one blocks it.
// (Redis could hold the counts for all replicas; a per-replica allowance is enough to stop a
// flood of guesses and the database lookups they would cost.)
//
// Memory is bounded: at most `addressesMax` addresses are counted and as many are blocked.
// Both maps are in insertion order, which is age order (a count restarts, and is re-inserted,
// when its window passes; every block lasts as long), so the entry evicted to make room is the
// oldest: a flood of fresh addresses pushes out stale counts, and lifts no block but the one
// nearest its end, and only once more than `addressesMax` addresses are blocked at once.

export interface AuthFailureLimits {
  /** Failures within one window that block the address; 0 turns blocking off. */
  failures: number;
  windowMs: number;
  blockMs: number;
  addressesMax: number;
}

interface Count {
  windowStartMs: number;
  failures: number;
}

export class AuthFailureTracker {
  private readonly counts = new Map<string, Count>();
  private readonly blockedUntilMs = new Map<string, number>();

  constructor(private readonly limits: AuthFailureLimits) {}

  get enabled(): boolean {
    return this.limits.failures > 0;
  }

  /** Addresses held in memory, counted and blocked. */
  get size(): number {
    return this.counts.size + this.blockedUntilMs.size;
  }

  /** Whether any address is blocked: while none is, a request's address need not be worked out. */
  get anyBlocked(): boolean {
    return this.blockedUntilMs.size > 0;
  }

  /** How long the address stays blocked, in milliseconds; 0 when it is not. */
  blockedForMs(address: string, nowMs: number): number {
    const untilMs = this.blockedUntilMs.get(address);
    if (untilMs === undefined) return 0;
    if (untilMs > nowMs) return untilMs - nowMs;
    this.blockedUntilMs.delete(address);
    return 0;
  }

  /**
   * Counts one failure. A success does not reset the count: an attacker holding one good key
   * could otherwise interleave it with guesses and never be blocked.
   */
  recordFailure(address: string, nowMs: number): void {
    if (!this.enabled) return;
    const { failures, windowMs, blockMs, addressesMax } = this.limits;
    let count = this.counts.get(address);
    if (!count || nowMs - count.windowStartMs >= windowMs) {
      count = { windowStartMs: nowMs, failures: 0 };
      insertBounded(this.counts, address, count, addressesMax, (old) => nowMs - old.windowStartMs >= windowMs);
    }
    count.failures += 1;
    if (count.failures < failures) return;
    this.counts.delete(address);
    insertBounded(this.blockedUntilMs, address, nowMs + blockMs, addressesMax, (untilMs) => untilMs <= nowMs);
  }
}

/** Inserts at the end; first drops the stale entries at the front, then the oldest while full. */
function insertBounded<V>(map: Map<string, V>, key: string, value: V, max: number, isStale: (value: V) => boolean): void {
  map.delete(key);
  for (const [oldKey, oldValue] of map) {
    if (map.size < max && !isStale(oldValue)) break;
    map.delete(oldKey);
  }
  map.set(key, value);
}
