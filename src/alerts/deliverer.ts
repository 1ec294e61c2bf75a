// Delivers alerts from the outbox (STYLE rule 11: after the commit that decided them). Each due
// delivery is claimed, sent (a signed webhook POST, or an email through [smtp]) and marked; a
// failure is retried with a doubling back-off for a day, then given up as failed. A 2xx answer
// ends a webhook's delivery. Kicked after alerts commit, and run by the scheduler's job, which
// also takes up what a crashed process left.
import type { Config } from '../config';
import type { Db } from '../db';
import type { Mailer } from '../mail/mailer';
import { BackgroundDrain, drainInBatches } from '../scheduler/background-drain';
import { doublingBackoffMs } from '../shared/backoff';
import { alertEmail, webhookBody } from './message';
import * as outbox from './outbox';
import { getAlert } from './service';
import { getWebhookSecret } from './settings';
import { signWebhook } from './signature';
import { RefusedTargetError } from './target';
import { postWebhook } from './webhook-post';
import { log } from '../logs/logger';

const DRAIN_BOUNDS = { batchSize: 20, batchesMax: 5 };
/** A delivery is retried for this long after its alert, then given up. */
export const DELIVERY_WINDOW_MS = 24 * 3_600_000;
const RETRY_BASE_MS = 30_000;
const RETRY_MAX_MS = 4 * 3_600_000;
/** Longer than an attempt can take ([alerts] timeout_seconds is at most a minute; SMTP's bounds). */
const CLAIM_MS = 5 * 60_000;
const ERROR_TEXT_MAX = 2000;

/** The wait after failed attempt `attempt`: 30 s, doubling, at most 4 hours. */
export function deliveryRetryDelayMs(attempt: number): number {
  return doublingBackoffMs(attempt, RETRY_BASE_MS, RETRY_MAX_MS);
}

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed' | 'skipped' | 'taken';

export class AlertDeliverer {
  private readonly background = new BackgroundDrain(() => this.deliverDue(this.now()), 'delivering alerts');

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly mailer: Mailer | null,
    private readonly now: () => number,
  ) {}

  kick(): void {
    this.background.kick();
  }

  whenIdle(): Promise<void> {
    return this.background.whenIdle();
  }

  close(): Promise<void> {
    return this.background.close();
  }

  /** Attempts every delivery due at `nowMs` (within the drain's bounds); answers each outcome. */
  async deliverDue(nowMs: number): Promise<Record<string, DeliveryOutcome>> {
    return drainInBatches((limit) => outbox.listDueDeliveries(this.db, nowMs, limit), (id) => this.deliverOne(id, nowMs), DRAIN_BOUNDS);
  }

  private async deliverOne(id: string, nowMs: number): Promise<DeliveryOutcome> {
    const delivery = await outbox.claimDelivery(this.db, id, nowMs, nowMs + CLAIM_MS);
    if (delivery === null) return 'taken';
    try {
      if (delivery.channel === 'email' && this.mailer === null) {
        await outbox.finishAttempt(this.db, delivery, { status: 'skipped', error: '[smtp] is not configured' });
        return 'skipped';
      }
      const alert = await getAlert(this.db, delivery.alertId);
      if (delivery.channel === 'email') await this.mailer!.send(alertEmail(alert, delivery.id, delivery.target, this.mailer!.domain));
      else await this.post(delivery, webhookBody(alert), nowMs);
      await outbox.finishAttempt(this.db, delivery, { status: 'delivered', nowMs });
      return 'delivered';
    } catch (error) {
      return this.recordFailure(delivery, error, nowMs);
    }
  }

  private async post(delivery: outbox.Delivery, body: string, nowMs: number): Promise<void> {
    const secret = await getWebhookSecret(this.db, delivery.accountId);
    if (secret === null) throw new Error('the account has no webhook secret');
    const headers = signWebhook(secret, delivery.id, Math.floor(nowMs / 1000), body);
    const { timeoutSeconds, allowPrivateTargets } = this.config.alerts;
    const status = await postWebhook(delivery.target, { ...headers }, body, { timeoutMs: timeoutSeconds * 1000, allowPrivateTargets });
    if (status < 200 || status > 299) throw new Error(`the receiver answered ${status}`);
  }

  private async recordFailure(delivery: outbox.Delivery, error: unknown, nowMs: number): Promise<DeliveryOutcome> {
    const text = (error instanceof Error ? error.message : String(error)).slice(0, ERROR_TEXT_MAX);
    const deadlineMs = delivery.createdAtMs + DELIVERY_WINDOW_MS;
    // A refused address stays refused: retrying would only knock on it again.
    const giveUp = error instanceof RefusedTargetError || nowMs >= deadlineMs;
    const end: outbox.DeliveryEnd = giveUp ? { status: 'failed', error: text } : { status: 'pending', error: text, retryAtMs: Math.min(nowMs + deliveryRetryDelayMs(delivery.attempts), deadlineMs) };
    log.error(`[inferport] alert delivery ${delivery.id} (${delivery.channel}) failed on attempt ${delivery.attempts}${giveUp ? '; given up' : ''}: ${text}`);
    try {
      await outbox.finishAttempt(this.db, delivery, end);
    } catch (recordError) {
      // The claim still holds it: it is taken up again when the claim runs out.
      log.error(`[inferport] recording the failure of alert delivery ${delivery.id} failed`, recordError);
    }
    return giveUp ? 'failed' : 'retry';
  }
}
