// Drains the Stripe webhook inbox: each due event is claimed, then handled and marked processed
// in one transaction; a failure is recorded and retried with back-off, a bounded number of
// times. The webhook route kicks a drain after each stored event, and server.ts kicks one
// periodically, which picks up retries and events a crashed process left behind.
import type Stripe from 'stripe';
import type { Config } from '../config';
import type { Db } from '../db';
import { BackgroundDrain, drainInBatches } from '../scheduler/background-drain';
import { doublingBackoffMs } from '../shared/backoff';
import type { StripeEventContext, StripeEventHandlers } from './event-types';
import { UnusableEventError } from './event-types';
import * as inbox from './inbox';
import { log } from '../logs/logger';

/** Events taken per query, and queries per drain: a drain's work is bounded. */
const DRAIN_BOUNDS = { batchSize: 50, batchesMax: 20 };
/** Attempts before an event is given up ('failed'): with the back-off below, about 14 hours. */
export const EVENT_ATTEMPTS_MAX = 20;
const RETRY_BASE_MS = 30_000;
const RETRY_MAX_MS = 3_600_000;
/** How long a claim keeps other processors off an event; a handler taking longer is a bug. */
const CLAIM_MS = 5 * 60_000;
const ERROR_TEXT_MAX = 2000;

/** The wait before attempt `attempt + 1`: 30 s, doubling, at most an hour. */
export function retryDelayMs(attempt: number): number {
  return doublingBackoffMs(attempt, RETRY_BASE_MS, RETRY_MAX_MS);
}

export interface ProcessorOptions {
  config: Config;
  handlers: StripeEventHandlers;
  clearKeyCache: () => void;
  /** Starts sending pending receipts; the scheduler's receipts job sends them otherwise. */
  sendReceipts?: () => void;
  now: () => number;
}

export type EventOutcome = 'processed' | 'retry' | 'failed' | 'skipped';

export class StripeEventProcessor {
  private readonly background = new BackgroundDrain(() => this.drain(), 'draining the Stripe inbox');

  constructor(
    private readonly db: Db,
    private readonly options: ProcessorOptions,
  ) {}

  /** Starts a drain in the background, or asks the running one to go round once more. */
  kick(): void {
    this.background.kick();
  }

  /** Resolves when no kicked drain is running. */
  whenIdle(): Promise<void> {
    return this.background.whenIdle();
  }

  /** Takes no more kicks and waits for the running drain. */
  close(): Promise<void> {
    return this.background.close();
  }

  /** Processes every event due at `nowMs` (within the drain's bounds); answers each outcome. */
  async drain(nowMs: number = this.options.now()): Promise<Record<string, EventOutcome>> {
    return drainInBatches((limit) => inbox.listDueEventIds(this.db, nowMs, limit), (id) => this.processEvent(id, nowMs), DRAIN_BOUNDS);
  }

  private async processEvent(id: string, nowMs: number): Promise<EventOutcome> {
    const claimed = await inbox.claimEvent(this.db, id, nowMs, nowMs + CLAIM_MS);
    if (!claimed) return 'skipped';
    const effects: (() => void)[] = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        if (!(await inbox.markProcessed(trx, id, claimed.attempt, nowMs))) return;
        const handler = this.options.handlers[claimed.type];
        if (!handler) {
          log.info(`[inferport] Stripe event ${id} of type ${claimed.type} has no handler; marked processed`);
          return;
        }
        const event = JSON.parse(claimed.payload) as Stripe.Event;
        await handler(trx, event, this.contextFor(nowMs, effects));
      });
    } catch (error) {
      return this.recordFailure(claimed, error, nowMs);
    }
    for (const effect of effects) {
      try {
        effect();
      } catch (error) {
        log.error(`[inferport] an after-commit effect of Stripe event ${id} failed`, error);
      }
    }
    return 'processed';
  }

  private contextFor(nowMs: number, effects: (() => void)[]): StripeEventContext {
    const { config, clearKeyCache, sendReceipts = () => {} } = this.options;
    return { config, nowMs, afterCommit: (effect) => effects.push(effect), clearKeyCache, sendReceipts };
  }

  private async recordFailure(claimed: inbox.ClaimedEvent, error: unknown, nowMs: number): Promise<EventOutcome> {
    const giveUp = error instanceof UnusableEventError || claimed.attempt >= EVENT_ATTEMPTS_MAX;
    const text = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, ERROR_TEXT_MAX);
    const retryAtMs = giveUp ? null : nowMs + retryDelayMs(claimed.attempt);
    const next = giveUp ? 'given up' : `retry at ${new Date(retryAtMs!).toISOString()}`;
    log.error(`[inferport] Stripe event ${claimed.id} (${claimed.type}) failed on attempt ${claimed.attempt}; ${next}: ${text}`);
    try {
      await inbox.recordFailure(this.db, claimed.id, claimed.attempt, text, retryAtMs);
    } catch (recordError) {
      // The claim still holds it: it is taken up again when the claim runs out.
      log.error(`[inferport] recording the failure of Stripe event ${claimed.id} failed`, recordError);
    }
    return giveUp ? 'failed' : 'retry';
  }
}
