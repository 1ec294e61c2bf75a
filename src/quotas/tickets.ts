// The tickets of admitted requests still in flight in this process, and their renewal: every
// third of the ticket TTL, each one's expiry is moved on, in one batch per store. A process that
// dies stops renewing, and its tickets (its concurrency slots) free themselves at expiry.
import type { HeldTicket, QuotaStore } from './store';

export interface QuotaTicket {
  readonly held: HeldTicket;
  readonly store: QuotaStore;
  readonly reserveTokens: number;
  /** The x-ratelimit-* headers of the response, as the counts stood once it was admitted. */
  readonly headers: Record<string, string>;
  finished: boolean;
}

export class OpenTickets {
  private readonly open = new Set<QuotaTicket>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly ticketTtlMs: number,
    /** The in-flight sets outlive their newest ticket by this much. */
    private readonly graceMs: number,
    private readonly now: () => number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.timer = setInterval(() => this.renew(), ticketTtlMs / 3);
    this.timer.unref();
  }

  add(ticket: QuotaTicket): void {
    this.open.add(ticket);
  }

  delete(ticket: QuotaTicket): void {
    this.open.delete(ticket);
  }

  /** Stops renewing. The tickets left are left to expire (a stopped process holds no slot for long). */
  stop(): void {
    clearInterval(this.timer);
  }

  private renew(): void {
    const byStore = new Map<QuotaStore, HeldTicket[]>();
    for (const ticket of this.open) {
      const tickets = byStore.get(ticket.store) ?? [];
      tickets.push(ticket.held);
      byStore.set(ticket.store, tickets);
    }
    const nowMs = this.now();
    for (const [store, tickets] of byStore) {
      store.renew(tickets, nowMs, nowMs + this.ticketTtlMs, this.ticketTtlMs + this.graceMs).catch(this.onError);
    }
  }
}
