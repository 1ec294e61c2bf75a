// The table auto_refill_attempts: one row per refill, written before Stripe is called. A sender
// claims a pending attempt (moving submit_after_ms on) before calling Stripe, so that of two
// senders (the after-charge check and the scheduler, or two replicas) only one does.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AutoRefillAttemptsTable, Database, RefillAttemptStatus } from '../db/schema';
import { newId } from '../shared/ids';

export interface RefillAttempt {
  id: string;
  accountId: string;
  status: RefillAttemptStatus;
  amountMicros: bigint;
  amountMinor: bigint;
  currency: string;
  paymentIntentId: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  submitTries: number;
  createdAtMs: number;
  updatedAtMs: number;
}

export const IN_FLIGHT: readonly RefillAttemptStatus[] = ['pending', 'processing'];

function rowToAttempt(row: Selectable<AutoRefillAttemptsTable>): RefillAttempt {
  return {
    id: row.id,
    accountId: row.account_id,
    status: row.status,
    amountMicros: BigInt(row.amount_micros),
    amountMinor: BigInt(row.amount_minor),
    currency: row.currency,
    paymentIntentId: row.stripe_payment_intent_id,
    failureCode: row.failure_code,
    failureMessage: row.failure_message,
    submitTries: Number(row.submit_tries),
    createdAtMs: Number(row.created_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
  };
}

export async function insertAttempt(
  trx: Transaction<Database>,
  input: { accountId: string; amountMicros: bigint; amountMinor: bigint; currency: string },
  nowMs: number,
): Promise<string> {
  const id = newId('refill');
  await trx
    .insertInto('auto_refill_attempts')
    .values({
      id,
      account_id: input.accountId,
      status: 'pending',
      amount_micros: input.amountMicros,
      amount_minor: input.amountMinor,
      currency: input.currency,
      stripe_payment_intent_id: null,
      failure_code: null,
      failure_message: null,
      submit_after_ms: BigInt(nowMs),
      created_at_ms: BigInt(nowMs),
      updated_at_ms: BigInt(nowMs),
    })
    .execute();
  return id;
}

export async function getAttempt(db: Kysely<Database>, id: string): Promise<RefillAttempt | null> {
  const row = await db.selectFrom('auto_refill_attempts').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? rowToAttempt(row) : null;
}

export async function findInFlight(db: Kysely<Database>, accountId: string): Promise<RefillAttempt | null> {
  const row = await db.selectFrom('auto_refill_attempts').selectAll().where('account_id', '=', accountId).where('status', 'in', [...IN_FLIGHT]).executeTakeFirst();
  return row ? rowToAttempt(row) : null;
}

export async function findLatest(db: Kysely<Database>, accountId: string): Promise<RefillAttempt | null> {
  const row = await db.selectFrom('auto_refill_attempts').selectAll().where('account_id', '=', accountId).orderBy('created_at_ms', 'desc').orderBy('id', 'desc').executeTakeFirst();
  return row ? rowToAttempt(row) : null;
}

/** Ids of pending attempts due to be sent to Stripe (new ones, and retries after an outage). */
export async function listDueAttempts(db: Kysely<Database>, nowMs: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('auto_refill_attempts')
    .select('id')
    .where('status', '=', 'pending')
    .where('submit_after_ms', '<=', BigInt(nowMs))
    .orderBy('submit_after_ms')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

/** Takes a due pending attempt for one call to Stripe until `claimUntilMs`; null when another sender has it. */
export async function claimAttempt(db: Kysely<Database>, id: string, nowMs: number, claimUntilMs: number): Promise<RefillAttempt | null> {
  const result = await db
    .updateTable('auto_refill_attempts')
    .set((eb) => ({ submit_tries: eb('submit_tries', '+', 1n), submit_after_ms: BigInt(claimUntilMs), updated_at_ms: BigInt(nowMs) }))
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('submit_after_ms', '<=', BigInt(nowMs))
    .executeTakeFirst();
  return result.numUpdatedRows === 0n ? null : getAttempt(db, id);
}

/** Puts a pending attempt back for another call at `retryAtMs` (Stripe could not be reached). */
export async function deferAttempt(db: Kysely<Database>, id: string, retryAtMs: number, error: string, nowMs: number): Promise<void> {
  await db
    .updateTable('auto_refill_attempts')
    .set({ submit_after_ms: BigInt(retryAtMs), failure_message: error, updated_at_ms: BigInt(nowMs) })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

/**
 * Moves an attempt to `status` if it is in one of `from`; answers whether it moved. Only the
 * move counts a decline or a success, so an outcome learnt twice (from Stripe's answer and from
 * its webhook) is counted once.
 */
export async function moveAttempt(
  trx: Transaction<Database>,
  id: string,
  from: readonly RefillAttemptStatus[],
  change: { status: RefillAttemptStatus; paymentIntentId?: string | null; failureCode?: string | null; failureMessage?: string | null },
  nowMs: number,
): Promise<boolean> {
  const result = await trx
    .updateTable('auto_refill_attempts')
    .set((eb) => ({
      status: change.status,
      submit_after_ms: null,
      updated_at_ms: BigInt(nowMs),
      ...(change.paymentIntentId ? { stripe_payment_intent_id: eb.fn.coalesce('stripe_payment_intent_id', eb.val(change.paymentIntentId)) } : {}),
      ...(change.failureCode !== undefined ? { failure_code: change.failureCode } : {}),
      ...(change.failureMessage !== undefined ? { failure_message: change.failureMessage } : {}),
    }))
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
