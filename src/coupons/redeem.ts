// Redeeming a coupon. A redemption is one transaction: the coupon's row locked, the counter
// raised by a conditional update, the promo grant written through the ledger (idempotency key
// coupon:<code>:<account>) and the redemption row inserted. So the last use of a limited code
// goes to exactly one account however many redeem it at once, and an account that redeems
// twice, even at the same moment, gets one grant, on either database.
import type { Kysely, Transaction } from 'kysely';
import { withRowLock } from '../db/dialect';
import type { Database } from '../db/schema';
import { ApiError, badRequest } from '../errors';
import * as ledger from '../ledger/service';
import { assert } from '../shared/assert';
import { COUPON_CODE_WORDS, normalizeCouponCode } from './code';
import { couponNotFound, couponStatus, rowToCoupon, type Coupon } from './service';

const DAY_MS = 86_400_000;

export interface Redemption {
  code: string;
  accountId: string;
  amountMicros: bigint;
  creditExpiresAtMs: number | null;
  grantId: string;
  transactionId: string;
}

export async function redeemCoupon(db: Kysely<Database>, input: { code: string; accountId: string }, nowMs: number): Promise<Redemption> {
  const code = normalizeCouponCode(input.code);
  if (code === null) throw badRequest(`code must be ${COUPON_CODE_WORDS}`, 'code');
  return db.transaction().execute(async (trx) => {
    const coupon = await lockCouponByCode(trx, code);
    if (coupon === null) throw couponNotFound();
    const earlier = await trx.selectFrom('coupon_redemptions').select('grant_id').where('coupon_code', '=', code).where('account_id', '=', input.accountId).executeTakeFirst();
    if (earlier) throw new ApiError(409, 'coupon_already_redeemed', `This account has redeemed ${code} already; a coupon is redeemed once per account.`, 'code');
    refuseUnredeemable(coupon, nowMs);
    await countRedemption(trx, code);
    const creditExpiresAtMs = coupon.creditExpiresDays === null ? null : nowMs + coupon.creditExpiresDays * DAY_MS;
    const granted = await ledger.grantCredits(
      trx,
      {
        accountId: input.accountId,
        kind: 'promo',
        amountMicros: coupon.amountMicros,
        expiresAtMs: creditExpiresAtMs,
        source: 'coupon',
        memo: `coupon ${code}`,
        idempotencyKey: `coupon:${code}:${input.accountId}`,
      },
      nowMs,
    );
    // The grant and the redemption row commit together, and the row was not there.
    assert(!granted.replayed && granted.grantId !== null, 'a coupon grant is written once, with its redemption');
    await trx
      .insertInto('coupon_redemptions')
      .values({ coupon_code: code, account_id: input.accountId, grant_id: granted.grantId, transaction_id: granted.transactionId, created_at_ms: BigInt(nowMs) })
      .execute();
    return { code, accountId: input.accountId, amountMicros: coupon.amountMicros, creditExpiresAtMs, grantId: granted.grantId, transactionId: granted.transactionId };
  });
}

/** Locks the coupon's row until the transaction ends (SQLite: the write lock every transaction holds). */
async function lockCouponByCode(trx: Transaction<Database>, code: string): Promise<Coupon | null> {
  const row = await withRowLock(trx, trx.selectFrom('coupons').selectAll().where('code', '=', code)).executeTakeFirst();
  return row ? rowToCoupon(row) : null;
}

/**
 * Raises the counter only while a use is left. Under the row lock the check before it has
 * already decided; this is the same rule said by the database, so that a change to the locking
 * can never hand out one use too many (the table's CHECK is the last word).
 */
async function countRedemption(trx: Transaction<Database>, code: string): Promise<void> {
  const result = await trx
    .updateTable('coupons')
    .set((eb) => ({ redemptions: eb('redemptions', '+', 1n) }))
    .where('code', '=', code)
    .where((eb) => eb.or([eb('max_redemptions', 'is', null), eb('redemptions', '<', eb.ref('max_redemptions'))]))
    .executeTakeFirst();
  if (result.numUpdatedRows !== 1n) throw usedUp(code);
}

function refuseUnredeemable(coupon: Coupon, nowMs: number): void {
  const status = couponStatus(coupon, nowMs);
  if (status === 'disabled') throw new ApiError(410, 'coupon_disabled', `The coupon ${coupon.code} has been disabled.`, 'code');
  if (status === 'expired') throw new ApiError(410, 'coupon_expired', `The coupon ${coupon.code} expired at ${new Date(coupon.expiresAtMs!).toISOString()}.`, 'code');
  if (status === 'used_up') throw usedUp(coupon.code);
}

const usedUp = (code: string) => new ApiError(410, 'coupon_used_up', `The coupon ${code} has been redeemed as many times as it may be.`, 'code');
