// What a quota store does, whichever holds the counters (this process's memory, or Redis for
// replicas that share them): one atomic admission that checks every limit of every scope and
// either counts the request in all of them or in none, and the finish that corrects it later.
import type { QuotaLimits } from './limits';

/** A scope's counters in the current windows, by the names both stores give them. */
export interface ScopeKeys {
  /** Requests admitted this minute. */
  requests: string;
  /** Tokens this minute, day and month: reserved at admission, corrected to the real use at finish. */
  tokensMinute: string;
  tokensDay: string;
  tokensMonth: string;
  /** Requests in flight: ticket id → the moment its slot frees itself unless renewed. */
  inFlight: string;
}

export interface ScopeCounts {
  requests: number;
  tokensMinute: number;
  tokensDay: number;
  tokensMonth: number;
  inFlight: number;
}

export interface ScopeCheck {
  keys: ScopeKeys;
  limits: QuotaLimits;
}

/** How long each kind of counter lives from now, in ms: to its window's end, and a grace. */
export interface CounterTtls {
  minuteMs: number;
  dayMs: number;
  monthMs: number;
  inFlightMs: number;
}

export interface Admission {
  ticketId: string;
  scopes: ScopeCheck[];
  reserveTokens: number;
  nowMs: number;
  ticketExpiresAtMs: number;
  ttl: CounterTtls;
}

/** Counts after the admission when admitted; as they stood (nothing counted) when refused. */
export interface AdmitOutcome {
  admitted: boolean;
  counts: ScopeCounts[];
}

/** An admitted request's hold on its scopes' counters. */
export interface HeldTicket {
  ticketId: string;
  scopes: ScopeKeys[];
}

export interface QuotaStore {
  readonly kind: 'memory' | 'redis';
  admit(admission: Admission): Promise<AdmitOutcome>;
  /**
   * Frees the ticket's slots and adds `tokenDelta` (used − reserved) to each token counter it
   * was reserved in, where that counter still exists (a window long over is left alone).
   */
  finish(ticket: HeldTicket, tokenDelta: number): Promise<void>;
  /** Moves the expiry of tickets still in flight; one already freed (finished, or expired by `nowMs`) stays freed. */
  renew(tickets: HeldTicket[], nowMs: number, expiresAtMs: number, inFlightTtlMs: number): Promise<void>;
  read(scopes: ScopeKeys[], nowMs: number): Promise<ScopeCounts[]>;
  close(): Promise<void>;
}

/** The store could not answer (Redis down or too slow): the caller fails closed or falls back. */
export class QuotaStoreUnavailable extends Error {}
