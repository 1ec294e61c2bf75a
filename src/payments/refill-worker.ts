// Runs auto-refill in the background. The meter tells it which accounts a committed batch
// charged (`noteCharged`, which only remembers the ids); a drain then checks them, writes an
// attempt for each account that fell below its threshold and sends it to Stripe, all after the
// charge's commit and off the request's path. The scheduler's pass (`sweep`) does the same for
// every account (charges of other replicas, a process that died between the attempt's commit
// and its call) and makes the pages of accounts whose bank asked to authenticate again.
import type Stripe from 'stripe';
import type { Config } from '../config';
import type { Db } from '../db';
import { BackgroundDrain } from '../scheduler/background-drain';
import { createActionPage } from './refill-checkout';
import { listDueAttempts } from './refill-attempts';
import { listMissingActionPages } from './refill-settings';
import { findRefillCandidates, startAttempt } from './refill-start';
import { submitAttempt } from './refill-submit';
import { log } from '../logs/logger';

/** Accounts checked per query, and handled per sweep: each pass's work is bounded. */
const CHECK_BATCH_MAX = 200;
const SWEEP_ACCOUNTS_MAX = 200;
const SWEEP_PAGES_MAX = 20;
/** Accounts noted and not yet checked; beyond this the sweep finds the rest. */
const NOTED_MAX = 100_000;

export interface AutoRefillOptions {
  config: Config;
  stripe: Stripe | null;
  now: () => number;
}

export class AutoRefill {
  private readonly noted = new Set<string>();
  // A failed check (the database down, most likely) leaves its accounts to the next sweep.
  private readonly checks = new BackgroundDrain(() => this.checkNoted(), 'checking accounts for auto-refill');

  constructor(
    private readonly db: Db,
    private readonly options: AutoRefillOptions,
  ) {}

  /** The meter's after-charge hook: remembers the accounts and starts a check; never waits. */
  noteCharged(accountIds: readonly string[]): void {
    if (this.options.stripe === null) return;
    for (const id of accountIds) if (this.noted.size < NOTED_MAX) this.noted.add(id);
    this.checks.kick();
  }

  /** Resolves when no check is running (tests; shutdown). */
  whenIdle(): Promise<void> {
    return this.checks.whenIdle();
  }

  close(): Promise<void> {
    return this.checks.close();
  }

  /** The scheduler's pass over every account. */
  async sweep(nowMs: number): Promise<void> {
    const stripe = this.options.stripe;
    if (stripe === null) return;
    await this.startAndSend(await findRefillCandidates(this.db, null, nowMs, SWEEP_ACCOUNTS_MAX), nowMs);
    for (const id of await listDueAttempts(this.db, nowMs, SWEEP_ACCOUNTS_MAX)) await this.isolated(`send refill attempt ${id}`, () => submitAttempt(this.db, stripe, this.options.config, id, nowMs));
    for (const accountId of await listMissingActionPages(this.db, nowMs, SWEEP_PAGES_MAX)) {
      await this.isolated(`make the card page of account ${accountId}`, () => createActionPage(this.db, stripe, this.options.config, accountId, nowMs));
    }
  }

  /** Checks the noted accounts, a bounded batch at a time, until none is left. */
  private async checkNoted(): Promise<void> {
    while (this.noted.size > 0) {
      const ids = [...this.noted].slice(0, CHECK_BATCH_MAX);
      for (const id of ids) this.noted.delete(id);
      const nowMs = this.options.now();
      await this.startAndSend(await findRefillCandidates(this.db, ids, nowMs, CHECK_BATCH_MAX), nowMs);
    }
  }

  private async startAndSend(accountIds: string[], nowMs: number): Promise<void> {
    const stripe = this.options.stripe!;
    for (const accountId of accountIds) {
      await this.isolated(`refill account ${accountId}`, async () => {
        const attemptId = await startAttempt(this.db, this.options.config, accountId, nowMs);
        if (attemptId !== null) await submitAttempt(this.db, stripe, this.options.config, attemptId, nowMs);
      });
    }
  }

  /** One account's failure never stops the others; what failed is retried by the next sweep. */
  private async isolated(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      log.error(`[inferport] auto-refill could not ${what}; the next sweep retries`, error);
    }
  }
}
