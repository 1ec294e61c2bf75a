// Plan quotas for the gateway: one admission per plan-billed request before it is forwarded
// (429 when a limit is reached), and one finish after it, whatever its outcome, that corrects
// the reserved tokens to the real use and frees its slot. While the store (Redis) does not
// answer, admissions fail closed (503 quota_unavailable) or, with `fallback = "local"`, are
// counted in this process until it answers again.
import type { Config } from '../config';
import { ApiError } from '../errors';
import { newId } from '../shared/ids';
import { admissionOf, WINDOW_GRACE_MS } from './admission';
import { quotaHeaders } from './headers';
import { resolvePlan, type PlanResolution, type ResolvedPlan } from './plans';
import { refusal } from './refusal';
import { keysOf, requestScopes, statusScopes, type QuotaScope, type QuotaSubject } from './scopes';
import { QuotaStoreUnavailable, type QuotaStore, type ScopeCounts } from './store';
import { OpenTickets, type QuotaTicket } from './tickets';
import { windowsAt, type Windows } from './windows';
import { log } from '../logs/logger';

export type { QuotaTicket } from './tickets';

export interface QuotaRequest extends QuotaSubject {
  plan: ResolvedPlan;
  model: string;
  /** Prompt bound + output bound: reserved in every token window until the request finishes. */
  reserveTokens: number;
}

export interface QuotaReading {
  scopes: QuotaScope[];
  counts: ScopeCounts[];
  windows: Windows;
  nowMs: number;
}

export type QuotaSettings = Pick<Config, 'plans' | 'quotas'> & { redis: Pick<Config['redis'], 'keyPrefix'> };

/** A refused or failed command logs at most once in this long: an outage must not log per request. */
const WARN_EVERY_MS = 5000;

export class QuotaService {
  private readonly open: OpenTickets;
  private readonly ticketTtlMs: number;
  private warnedAtMs = -Infinity;

  /** `local` is the fallback store while `primary` does not answer; null fails closed. */
  constructor(
    readonly primary: QuotaStore,
    private readonly local: QuotaStore | null,
    private readonly settings: QuotaSettings,
    private readonly now: () => number,
  ) {
    this.ticketTtlMs = settings.quotas.ticketTtlSeconds * 1000;
    this.open = new OpenTickets(this.ticketTtlMs, WINDOW_GRACE_MS, now, (error) => this.warn('renewing requests in flight failed; will retry', error));
  }

  resolvePlan(accountPlan: string | null): PlanResolution {
    return resolvePlan(this.settings, accountPlan);
  }

  /** Admits a request in every scope at once, or throws its 429 (or 503 while the store is down). */
  async admit(request: QuotaRequest): Promise<QuotaTicket> {
    const nowMs = this.now();
    const windows = windowsAt(nowMs);
    const scopes = requestScopes(this.settings.redis.keyPrefix, request, request.plan.plan, request.model);
    const admission = admissionOf(newId('qt'), scopes, request.reserveTokens, windows, nowMs, this.ticketTtlMs);
    const { store, outcome } = await this.withFallback(async (store) => ({ store, outcome: await store.admit(admission) }));
    if (!outcome.admitted) throw refusal(scopes, outcome.counts, request.reserveTokens, windows, nowMs);
    const ticket: QuotaTicket = {
      held: { ticketId: admission.ticketId, scopes: admission.scopes.map((scope) => scope.keys) },
      store,
      reserveTokens: request.reserveTokens,
      headers: quotaHeaders(scopes, outcome.counts, windows, nowMs),
      finished: false,
    };
    this.open.add(ticket);
    return ticket;
  }

  /**
   * Ends a ticket: counts `usedTokens` instead of its reservation and frees its slot. Sent, not
   * awaited (the response does not wait for it); a later command on the same connection, such
   * as the next admission, is answered after it. Never throws: a finish that fails is logged,
   * and the slot frees itself at the ticket's expiry.
   */
  finish(ticket: QuotaTicket, usedTokens: number): void {
    if (ticket.finished) return;
    ticket.finished = true;
    this.open.delete(ticket);
    ticket.store.finish(ticket.held, usedTokens - ticket.reserveTokens).catch((error) => this.warn('finishing a request failed; its slot frees itself when its ticket expires', error));
  }

  /** The counters of every scope a key's plan has, for the console. */
  async read(subject: QuotaSubject, plan: ResolvedPlan): Promise<QuotaReading> {
    const nowMs = this.now();
    const windows = windowsAt(nowMs);
    const scopes = statusScopes(this.settings.redis.keyPrefix, subject, plan.plan);
    const counts = await this.withFallback((store) => store.read(scopes.map((scope) => keysOf(scope, windows)), nowMs));
    return { scopes, counts, windows, nowMs };
  }

  async close(): Promise<void> {
    this.open.stop();
    await Promise.all([this.primary.close(), this.local?.close()]);
  }

  private async withFallback<T>(use: (store: QuotaStore) => Promise<T>): Promise<T> {
    try {
      return await use(this.primary);
    } catch (error) {
      if (!(error instanceof QuotaStoreUnavailable)) throw error;
      if (this.local) return await use(this.local);
      this.warn('a quota check failed; plan requests get 503 quota_unavailable while it does', error);
      const unavailable = new ApiError(503, 'quota_unavailable', 'Plan quotas cannot be checked right now (the quota store is not answering). Try again shortly.');
      unavailable.headers = { 'retry-after': '1' };
      throw unavailable;
    }
  }

  private warn(what: string, error: unknown): void {
    const nowMs = Date.now();
    if (nowMs - this.warnedAtMs < WARN_EVERY_MS) return;
    this.warnedAtMs = nowMs;
    log.warn(`[inferport] quotas: ${what}: ${(error as Error).message ?? error}`);
  }
}
