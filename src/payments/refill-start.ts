// Starting a refill: find the accounts whose balance is below their threshold, and write one
// attempt row for each, in its own transaction, before anything calls Stripe. The settings row
// lock and the unique index on in-flight attempts keep it to one refill in flight per account,
// however many charges, processes or replicas race to start one.
import { sql, type Kysely } from 'kysely';
import type { Config } from '../config';
import type { Database } from '../db/schema';
import * as ledger from '../ledger/service';
import { CURRENCY, centsForCredits } from './credit-price';
import { findInFlight, IN_FLIGHT, insertAttempt } from './refill-attempts';
import { lockSettingsById } from './refill-settings';
import { log } from '../logs/logger';

/**
 * Accounts among `accountIds` (every account when null) whose refill should start now: on, with
 * a card, not backing off, nothing in flight, and a balance below the threshold. One indexed
 * query, so the check after each settled batch costs little when no one is below.
 */
export async function findRefillCandidates(db: Kysely<Database>, accountIds: readonly string[] | null, nowMs: number, limit: number): Promise<string[]> {
  if (accountIds !== null && accountIds.length === 0) return [];
  let query = db
    .selectFrom('auto_refill_settings as s')
    .leftJoin('wallets as w', 'w.account_id', 's.account_id')
    .select('s.account_id')
    .where('s.enabled', '=', 1)
    .where('s.stripe_payment_method_id', 'is not', null)
    .where(sql<boolean>`coalesce(w.balance_micros, 0) < s.threshold_micros`)
    .where((eb) => eb.or([eb('s.retry_after_ms', 'is', null), eb('s.retry_after_ms', '<=', BigInt(nowMs))]))
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('auto_refill_attempts as a').select('a.id').whereRef('a.account_id', '=', 's.account_id').where('a.status', 'in', [...IN_FLIGHT]))),
    )
    .limit(limit);
  if (accountIds !== null) query = query.where('s.account_id', 'in', [...accountIds]);
  return (await query.execute()).map((row) => row.account_id);
}

/** Writes the account's next refill attempt if it is due (checked again under the lock); its id, or null. */
export async function startAttempt(db: Kysely<Database>, config: Config, accountId: string, nowMs: number): Promise<string | null> {
  return db.transaction().execute(async (trx) => {
    const settings = await lockSettingsById(trx, accountId, nowMs);
    if (!settings.enabled || settings.paymentMethodId === null || settings.amountMicros <= 0n) return null;
    if (settings.retryAfterMs !== null && settings.retryAfterMs > nowMs) return null;
    if (await findInFlight(trx, accountId)) return null;
    const { balanceMicros } = await ledger.getWalletSummary(trx, accountId, nowMs);
    if (balanceMicros >= settings.thresholdMicros) return null;
    const amountMinor = centsForCredits(config.wallet, settings.amountMicros);
    if (amountMinor === null || amountMinor <= 0n) {
      // The amount was whole cents when it was set; credits_per_usd has changed since.
      log.warn(`[inferport] auto-refill of account ${accountId} skipped: its amount is not a whole number of cents at the current credits_per_usd`);
      return null;
    }
    return insertAttempt(trx, { accountId, amountMicros: settings.amountMicros, amountMinor, currency: CURRENCY }, nowMs);
  });
}
