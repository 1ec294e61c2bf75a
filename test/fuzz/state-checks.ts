// What a request may change, read straight from the database. The store is read before and
// after each case: a refused request (4xx) and any GET must change no record and no money.
// Money here is the ledger's own tables; holds, leases and usage records are activity, which a
// refused /v1 request may write (a reservation released, the request recorded).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema';
import * as ledger from '../../src/ledger/service';

export type StoreState = Record<string, string>;

const RECORD_AND_MONEY_QUERIES = {
  accounts: sql`SELECT id, name, email, status, plan, models, stripe_customer_id FROM accounts ORDER BY id`,
  api_keys: sql`SELECT id, account_id, name, billing, models, expires_at_ms, revoked_at_ms, limits FROM api_keys ORDER BY id`,
  wallets: sql`SELECT account_id, balance_micros, reserved_micros FROM wallets ORDER BY account_id`,
  grants: sql`SELECT id, kind, amount_micros, remaining_micros, reserved_micros, expires_at_ms FROM grants ORDER BY id`,
  ledger_transactions: sql`SELECT COUNT(*) AS count, SUM(amount_micros) AS total FROM ledger_transactions`,
  ledger_entries: sql`SELECT COUNT(*) AS count, SUM(amount_micros) AS total FROM ledger_entries`,
  stripe_events: sql`SELECT COUNT(*) AS count FROM stripe_events`,
  stripe_subscriptions: sql`SELECT id, account_id, status, price_id, event_id FROM stripe_subscriptions ORDER BY id`,
  purchases: sql`SELECT id, account_id, stripe_payment_intent_id, credits_micros, refunded_micros FROM purchases ORDER BY id`,
  receipts: sql`SELECT purchase_id, status, attempts FROM receipts ORDER BY purchase_id`,
  coupons: sql`SELECT code, amount_micros, max_redemptions, redemptions, expires_at_ms, credit_expires_days, disabled_at_ms FROM coupons ORDER BY code`,
  coupon_redemptions: sql`SELECT coupon_code, account_id, grant_id, transaction_id FROM coupon_redemptions ORDER BY coupon_code, account_id`,
  auto_refill_settings: sql`SELECT account_id, enabled, threshold_micros, amount_micros, stripe_payment_method_id, consecutive_failures, disabled_reason, action_required FROM auto_refill_settings ORDER BY account_id`,
  auto_refill_attempts: sql`SELECT status, COUNT(*) AS count FROM auto_refill_attempts GROUP BY status ORDER BY status`,
  refunds: sql`SELECT id, status, credits_micros, amount_minor FROM refunds ORDER BY id`,
  refund_items: sql`SELECT refund_id, purchase_id, status FROM refund_items ORDER BY refund_id, purchase_id`,
  disputes: sql`SELECT id, closed_at_ms FROM disputes ORDER BY id`,
  alerts: sql`SELECT COUNT(*) AS count FROM alerts`,
  deployments: sql`SELECT id, account_id, model, status, per_hour_micros, paused_at_ms, stopped_at_ms FROM deployments ORDER BY id`,
  deployment_hours: sql`SELECT deployment_id, hour_index, amount_micros, transaction_id FROM deployment_hours ORDER BY deployment_id, hour_index`,
};
const ACTIVITY_QUERIES = {
  holds: sql`SELECT status, COUNT(*) AS count FROM holds GROUP BY status ORDER BY status`,
  leases: sql`SELECT status, COUNT(*) AS count FROM leases GROUP BY status ORDER BY status`,
  usage_records: sql`SELECT COUNT(*) AS count FROM usage_records`,
};

export async function readStore(db: Kysely<Database>, withActivity: boolean): Promise<StoreState> {
  const queries = Object.entries(withActivity ? { ...RECORD_AND_MONEY_QUERIES, ...ACTIVITY_QUERIES } : RECORD_AND_MONEY_QUERIES);
  const results = await Promise.all(queries.map(([, query]) => query.execute(db)));
  // Counts and sums come back as bigint, number or string depending on the driver.
  const normalize = (_key: string, value: unknown) => (typeof value === 'bigint' || typeof value === 'number' ? String(value) : value);
  return Object.fromEntries(queries.map(([table], index) => [table, JSON.stringify(results[index]!.rows, normalize)]));
}

/** The tables that differ, each with a short before/after. */
export function diffStore(before: StoreState, after: StoreState): string[] {
  return Object.keys(before)
    .filter((table) => before[table] !== after[table])
    .map((table) => `${table} changed: ${clip(before[table]!)} → ${clip(after[table]!)}`);
}

const clip = (text: string) => (text.length > 240 ? `…${text.slice(-240)}` : text);

/** An account's reservations as the ledger sees them, for "nothing left held" checks. */
export interface HeldState {
  balanceMicros: bigint;
  /** balance − available: what grants hold for leases and pending holds. */
  heldMicros: bigint;
  walletReservedMicros: bigint;
  pendingHolds: number;
  openLeases: number;
  charges: number;
}

export async function readHeld(db: Kysely<Database>, accountId: string): Promise<HeldState> {
  const [summary, holds, leases, charges] = await Promise.all([
    ledger.getWalletSummary(db, accountId, Date.now()),
    db.selectFrom('holds').select((eb) => eb.fn.countAll<number>().as('count')).where('account_id', '=', accountId).where('status', '=', 'pending').executeTakeFirstOrThrow(),
    db.selectFrom('leases').select((eb) => eb.fn.countAll<number>().as('count')).where('account_id', '=', accountId).where('status', '=', 'open').executeTakeFirstOrThrow(),
    db.selectFrom('ledger_transactions').select((eb) => eb.fn.countAll<number>().as('count')).where('account_id', '=', accountId).where('kind', '=', 'charge').executeTakeFirstOrThrow(),
  ]);
  return {
    balanceMicros: summary.balanceMicros,
    heldMicros: summary.balanceMicros - summary.availableMicros,
    walletReservedMicros: summary.reservedMicros,
    pendingHolds: Number(holds.count),
    openLeases: Number(leases.count),
    charges: Number(charges.count),
  };
}

/** Once a request is over and the meter has given its lease back, nothing may stay reserved. */
export function diffHeld(before: HeldState, after: HeldState, refused: boolean): string[] {
  const problems: string[] = [];
  if (after.heldMicros !== before.heldMicros) problems.push(`a reservation was left held: balance − available went from ${before.heldMicros} to ${after.heldMicros} micro-credits`);
  if (after.walletReservedMicros !== before.walletReservedMicros) problems.push(`wallet reserved went from ${before.walletReservedMicros} to ${after.walletReservedMicros}`);
  if (after.pendingHolds !== before.pendingHolds) problems.push(`pending holds went from ${before.pendingHolds} to ${after.pendingHolds}`);
  if (after.openLeases !== before.openLeases) problems.push(`open leases went from ${before.openLeases} to ${after.openLeases} after the meter closed`);
  if (refused && after.charges !== before.charges) problems.push(`a refused request was charged (${after.charges - before.charges} new charges)`);
  if (refused && after.balanceMicros !== before.balanceMicros) problems.push(`a refused request moved the balance from ${before.balanceMicros} to ${after.balanceMicros}`);
  return problems;
}
