// Credit bought through Stripe: a payment becomes one purchase row and one paid grant (its own
// ledger transaction, whose memo carries the Stripe ids), in the caller's transaction. The
// payment intent's id is the idempotency key of both: the same payment, however often and in
// whatever order its events arrive, credits once. Webhook handlers call this (a Checkout
// Session paid, an auto-refill's PaymentIntent succeeded); refunds read purchases back. Each
// purchase writes its receipt's outbox row too (src/receipts), so every purchase is mailed once
// after its commit; the caller kicks the sender through afterCommit, or the scheduler sends it.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, PurchasesTable } from '../db/schema';
import * as ledger from '../ledger/service';
import { recordReceipt } from '../receipts/outbox';
import { assert } from '../shared/assert';
import { newId } from '../shared/ids';

export interface PurchaseInput {
  accountId: string;
  source: 'checkout' | 'auto_refill';
  stripePaymentIntentId: string;
  stripeCheckoutSessionId: string | null;
  stripeChargeId: string | null;
  /** What the customer paid, in the currency's smallest unit. */
  amountMinor: bigint;
  currency: string;
  creditsMicros: bigint;
}

export interface Purchase extends PurchaseInput {
  id: string;
  grantId: string;
  transactionId: string;
  refundedMicros: bigint;
  createdAtMs: number;
}

/** Records the payment and credits it, once; a replay returns the purchase already recorded. */
export async function recordPurchase(trx: Transaction<Database>, input: PurchaseInput, nowMs: number): Promise<{ purchase: Purchase; replayed: boolean }> {
  assert(input.creditsMicros > 0n && input.amountMinor > 0n, 'a purchase pays and credits something');
  const existing = await findPurchaseByPaymentIntent(trx, input.stripePaymentIntentId);
  if (existing) return { purchase: existing, replayed: true };
  const ids = [input.stripePaymentIntentId, input.stripeCheckoutSessionId, input.stripeChargeId].filter((id) => id !== null).join(' ');
  const granted = await ledger.grantCredits(
    trx,
    {
      accountId: input.accountId,
      kind: 'paid',
      amountMicros: input.creditsMicros,
      expiresAtMs: null,
      source: input.source === 'checkout' ? 'pack' : 'refill',
      memo: `Stripe payment ${ids}`,
      idempotencyKey: `purchase:${input.stripePaymentIntentId}`,
    },
    nowMs,
  );
  if (granted.replayed) {
    // A concurrent delivery of the same payment got the wallet's lock first and committed both
    // rows: the grant's idempotency key found its transaction, and its purchase is there too.
    const recorded = await findPurchaseByPaymentIntent(trx, input.stripePaymentIntentId);
    assert(recorded !== null, 'a purchase grant is recorded with its purchase');
    return { purchase: recorded, replayed: true };
  }
  assert(granted.grantId !== null, 'a paid grant has its grant row');
  const row = {
    id: newId('pur'),
    account_id: input.accountId,
    source: input.source,
    stripe_payment_intent_id: input.stripePaymentIntentId,
    stripe_checkout_session_id: input.stripeCheckoutSessionId,
    stripe_charge_id: input.stripeChargeId,
    amount_minor: input.amountMinor,
    currency: input.currency,
    credits_micros: input.creditsMicros,
    grant_id: granted.grantId,
    transaction_id: granted.transactionId,
    refunded_micros: 0n,
    created_at_ms: BigInt(nowMs),
  };
  await trx.insertInto('purchases').values(row).execute();
  await recordReceipt(trx, { id: row.id, accountId: row.account_id }, nowMs);
  return { purchase: rowToPurchase(row), replayed: false };
}

export async function findPurchaseByPaymentIntent(db: Kysely<Database>, paymentIntentId: string): Promise<Purchase | null> {
  const row = await db.selectFrom('purchases').selectAll().where('stripe_payment_intent_id', '=', paymentIntentId).executeTakeFirst();
  return row ? rowToPurchase(row) : null;
}

export function rowToPurchase(row: Selectable<PurchasesTable>): Purchase {
  return {
    id: row.id,
    accountId: row.account_id,
    source: row.source,
    stripePaymentIntentId: row.stripe_payment_intent_id,
    stripeCheckoutSessionId: row.stripe_checkout_session_id,
    stripeChargeId: row.stripe_charge_id,
    amountMinor: BigInt(row.amount_minor),
    currency: row.currency,
    creditsMicros: BigInt(row.credits_micros),
    grantId: row.grant_id,
    transactionId: row.transaction_id,
    refundedMicros: BigInt(row.refunded_micros),
    createdAtMs: Number(row.created_at_ms),
  };
}
