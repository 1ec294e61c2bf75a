// The in-process quota store: for one replica (no Redis configured), and the per-replica
// fallback while Redis is down when the operator chose `fallback = "local"`. Same names, same
// rule (checks.ts) and same expiry as the Redis store; atomic because nothing in it awaits.
import { addedBy, failedChecks } from './checks';
import type { Admission, AdmitOutcome, HeldTicket, QuotaStore, ScopeCounts, ScopeKeys } from './store';

interface Counter {
  value: number;
  expiresAtMs: number;
}

/** Expired counters are dropped at most this often (their windows are over; only memory is at stake). */
const SWEEP_EVERY_MS = 60_000;

export class MemoryQuotaStore implements QuotaStore {
  readonly kind = 'memory';
  private readonly counters = new Map<string, Counter>();
  /** Per in-flight set: ticket id → the moment it frees itself. */
  private readonly inFlight = new Map<string, Map<string, number>>();
  private sweptAtMs = 0;

  async admit(admission: Admission): Promise<AdmitOutcome> {
    const { nowMs, scopes, reserveTokens, ttl } = admission;
    this.sweep(nowMs);
    const counts = scopes.map((scope) => this.countsOf(scope.keys, nowMs));
    const limits = scopes.map((scope) => scope.limits);
    if (failedChecks(limits, counts, reserveTokens).length > 0) return { admitted: false, counts };
    const ttlOf = { requests: ttl.minuteMs, tokensMinute: ttl.minuteMs, tokensDay: ttl.dayMs, tokensMonth: ttl.monthMs } as const;
    const after = scopes.map(({ keys }, index): ScopeCounts => {
      const before = counts[index]!;
      for (const dimension of ['requests', 'tokensMinute', 'tokensDay', 'tokensMonth'] as const) {
        this.counters.set(keys[dimension], { value: before[dimension] + addedBy(dimension, reserveTokens), expiresAtMs: nowMs + ttlOf[dimension] });
      }
      const slots = this.inFlight.get(keys.inFlight) ?? new Map<string, number>();
      slots.set(admission.ticketId, admission.ticketExpiresAtMs);
      this.inFlight.set(keys.inFlight, slots);
      return this.countsOf(keys, nowMs);
    });
    return { admitted: true, counts: after };
  }

  async finish(ticket: HeldTicket, tokenDelta: number): Promise<void> {
    for (const keys of ticket.scopes) {
      for (const name of [keys.tokensMinute, keys.tokensDay, keys.tokensMonth]) {
        const counter = this.counters.get(name);
        if (counter) counter.value += tokenDelta;
      }
      this.inFlight.get(keys.inFlight)?.delete(ticket.ticketId);
    }
  }

  async renew(tickets: HeldTicket[], nowMs: number, expiresAtMs: number): Promise<void> {
    for (const ticket of tickets) {
      for (const keys of ticket.scopes) {
        const slots = this.inFlight.get(keys.inFlight);
        const current = slots?.get(ticket.ticketId);
        if (current !== undefined && current > nowMs) slots!.set(ticket.ticketId, expiresAtMs);
      }
    }
  }

  async read(scopes: ScopeKeys[], nowMs: number): Promise<ScopeCounts[]> {
    return scopes.map((keys) => this.countsOf(keys, nowMs));
  }

  async close(): Promise<void> {}

  /** A scope's counts now: expired counters are 0, expired tickets are no longer in flight. */
  private countsOf(keys: ScopeKeys, nowMs: number): ScopeCounts {
    const value = (name: string) => {
      const counter = this.counters.get(name);
      return counter && counter.expiresAtMs > nowMs ? counter.value : 0;
    };
    const slots = this.inFlight.get(keys.inFlight);
    if (slots) dropExpired(slots, nowMs);
    return { requests: value(keys.requests), tokensMinute: value(keys.tokensMinute), tokensDay: value(keys.tokensDay), tokensMonth: value(keys.tokensMonth), inFlight: slots?.size ?? 0 };
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.sweptAtMs < SWEEP_EVERY_MS) return;
    this.sweptAtMs = nowMs;
    for (const [name, counter] of this.counters) if (counter.expiresAtMs <= nowMs) this.counters.delete(name);
    for (const [name, slots] of this.inFlight) {
      dropExpired(slots, nowMs);
      if (slots.size === 0) this.inFlight.delete(name);
    }
  }
}

/** A ticket whose expiry has come is no longer in flight: its process stopped renewing it. */
function dropExpired(slots: Map<string, number>, nowMs: number): void {
  for (const [id, expiresAtMs] of slots) if (expiresAtMs <= nowMs) slots.delete(id);
}
