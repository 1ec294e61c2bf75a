// Mails pending receipts (STYLE rule 11: after the commit that decided them, from their outbox
// rows). Each is claimed, mailed and marked sent; a refusal or timeout is retried with back-off,
// a bounded number of times. Kicked after a purchase commits, and run by the scheduler's
// receipts job, which also takes up what a crashed process left. Without [smtp] it does
// nothing: the receipts stay pending, readable in GET /console/purchases.
import type { Db } from '../db';
import type { Mailer } from '../mail/mailer';
import { BackgroundDrain, drainInBatches } from '../scheduler/background-drain';
import { doublingBackoffMs } from '../shared/backoff';
import { receiptMessage } from './message';
import * as outbox from './outbox';
import { log } from '../logs/logger';

const DRAIN_BOUNDS = { batchSize: 20, batchesMax: 5 };
/** Attempts before a receipt is given up ('failed'): with the back-off below, about 4 hours. */
export const RECEIPT_ATTEMPTS_MAX = 10;
const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 3_600_000;
/** Longer than a delivery can take with the mailer's timeouts. */
const CLAIM_MS = 5 * 60_000;
const ERROR_TEXT_MAX = 2000;

/** The wait before attempt `attempt + 1`: a minute, doubling, at most an hour. */
export function receiptRetryDelayMs(attempt: number): number {
  return doublingBackoffMs(attempt, RETRY_BASE_MS, RETRY_MAX_MS);
}

export type ReceiptOutcome = 'sent' | 'skipped' | 'retry' | 'failed' | 'taken';

export class ReceiptSender {
  private readonly background = new BackgroundDrain(() => this.sendDue(this.now()), 'sending receipts');

  constructor(
    private readonly db: Db,
    private readonly mailer: Mailer | null,
    private readonly now: () => number,
  ) {}

  /** Starts sending in the background (no-op without [smtp]). */
  kick(): void {
    if (this.mailer) this.background.kick();
  }

  whenIdle(): Promise<void> {
    return this.background.whenIdle();
  }

  async close(): Promise<void> {
    await this.background.close();
    this.mailer?.close();
  }

  /** Sends every receipt due at `nowMs` (within the drain's bounds); answers each outcome. */
  async sendDue(nowMs: number): Promise<Record<string, ReceiptOutcome>> {
    const mailer = this.mailer;
    if (!mailer) return {};
    return drainInBatches((limit) => outbox.listDueReceipts(this.db, nowMs, limit), (purchaseId) => this.sendOne(mailer, purchaseId, nowMs), DRAIN_BOUNDS);
  }

  private async sendOne(mailer: Mailer, purchaseId: string, nowMs: number): Promise<ReceiptOutcome> {
    const attempt = await outbox.claimReceipt(this.db, purchaseId, nowMs, nowMs + CLAIM_MS);
    if (attempt === null) return 'taken';
    try {
      const facts = await outbox.loadReceiptFacts(this.db, purchaseId);
      if (facts.email === null) {
        await outbox.finishReceipt(this.db, purchaseId, attempt, { status: 'skipped', reason: 'the account has no email address' });
        return 'skipped';
      }
      await mailer.send(receiptMessage(facts, facts.email, mailer.domain));
      await outbox.finishReceipt(this.db, purchaseId, attempt, { status: 'sent', recipient: facts.email, nowMs });
      return 'sent';
    } catch (error) {
      return this.recordFailure(purchaseId, attempt, error, nowMs);
    }
  }

  private async recordFailure(purchaseId: string, attempt: number, error: unknown, nowMs: number): Promise<ReceiptOutcome> {
    const giveUp = attempt >= RECEIPT_ATTEMPTS_MAX;
    const text = (error instanceof Error ? error.message : String(error)).slice(0, ERROR_TEXT_MAX);
    const retryAtMs = giveUp ? null : nowMs + receiptRetryDelayMs(attempt);
    log.error(`[inferport] the receipt of purchase ${purchaseId} failed on attempt ${attempt}${giveUp ? '; given up' : ''}: ${text}`);
    try {
      await outbox.recordReceiptFailure(this.db, purchaseId, attempt, text, retryAtMs);
    } catch (recordError) {
      // The claim still holds it: it is taken up again when the claim runs out.
      log.error(`[inferport] recording the failure of the receipt of purchase ${purchaseId} failed`, recordError);
    }
    return giveUp ? 'failed' : 'retry';
  }
}
