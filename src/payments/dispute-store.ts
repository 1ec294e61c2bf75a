// The table disputes: chargebacks of an account's payments. While one is open the account's
// auto-refill stays off and its refunds are held (a refund and a lost dispute would pay twice).
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { ApiError } from '../errors';

export interface DisputeInput {
  id: string;
  accountId: string;
  chargeId: string | null;
  paymentIntentId: string | null;
  status: string;
  amountMinor: bigint;
}

/** Records a dispute once; false when it was already recorded (a redelivery). */
export async function openDispute(trx: Transaction<Database>, input: DisputeInput, nowMs: number): Promise<boolean> {
  const result = await trx
    .insertInto('disputes')
    .values({
      id: input.id,
      account_id: input.accountId,
      stripe_charge_id: input.chargeId,
      stripe_payment_intent_id: input.paymentIntentId,
      status: input.status,
      amount_minor: input.amountMinor,
      created_at_ms: BigInt(nowMs),
      closed_at_ms: null,
    })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .returning('id')
    .execute();
  return result.length > 0;
}

/** Closes a recorded dispute with Stripe's final status; false when it is unknown or closed already. */
export async function closeDispute(trx: Transaction<Database>, id: string, status: string, nowMs: number): Promise<boolean> {
  const result = await trx.updateTable('disputes').set({ status, closed_at_ms: BigInt(nowMs) }).where('id', '=', id).where('closed_at_ms', 'is', null).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function hasOpenDispute(db: Kysely<Database>, accountId: string): Promise<boolean> {
  const row = await db.selectFrom('disputes').select('id').where('account_id', '=', accountId).where('closed_at_ms', 'is', null).executeTakeFirst();
  return row !== undefined;
}

/** The account's dispute is open: refunds and auto-refill wait for it to close. */
export async function refuseWhileDisputed(db: Kysely<Database>, accountId: string, what: string): Promise<void> {
  if (await hasOpenDispute(db, accountId)) {
    throw new ApiError(409, 'dispute_open', `A payment of this account is disputed: ${what} waits until the dispute is closed.`);
  }
}
