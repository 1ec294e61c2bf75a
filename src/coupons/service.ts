// Coupons: codes that add promo credit. Admins create, list and disable them; an account
// redeems a code once (redeem.ts).
import type { Kysely, Selectable } from 'kysely';
import type { CouponsTable, Database } from '../db/schema';
import { ApiError, badRequest } from '../errors';
import * as ledger from '../ledger/service';
import { formatMicros } from '../shared/money';
import { COUPON_CODE_WORDS, normalizeCouponCode } from './code';

export interface Coupon {
  code: string;
  amountMicros: bigint;
  maxRedemptions: number | null;
  redemptions: number;
  expiresAtMs: number | null;
  creditExpiresDays: number | null;
  disabledAtMs: number | null;
  createdAtMs: number;
}

export type CouponStatus = 'active' | 'used_up' | 'expired' | 'disabled';

export interface CouponInput {
  code: string;
  amountMicros: bigint;
  maxRedemptions: number | null;
  expiresAtMs: number | null;
  creditExpiresDays: number | null;
}


export function rowToCoupon(row: Selectable<CouponsTable>): Coupon {
  return {
    code: row.code,
    amountMicros: BigInt(row.amount_micros),
    maxRedemptions: row.max_redemptions === null ? null : Number(row.max_redemptions),
    redemptions: Number(row.redemptions),
    expiresAtMs: row.expires_at_ms === null ? null : Number(row.expires_at_ms),
    creditExpiresDays: row.credit_expires_days === null ? null : Number(row.credit_expires_days),
    disabledAtMs: row.disabled_at_ms === null ? null : Number(row.disabled_at_ms),
    createdAtMs: Number(row.created_at_ms),
  };
}

/** Why no one can redeem the coupon now, or 'active'. Disabled outranks expired, which outranks used up. */
export function couponStatus(coupon: Coupon, nowMs: number): CouponStatus {
  if (coupon.disabledAtMs !== null) return 'disabled';
  if (coupon.expiresAtMs !== null && coupon.expiresAtMs <= nowMs) return 'expired';
  if (coupon.maxRedemptions !== null && coupon.redemptions >= coupon.maxRedemptions) return 'used_up';
  return 'active';
}

export async function createCoupon(db: Kysely<Database>, input: CouponInput, nowMs: number): Promise<Coupon> {
  const code = normalizeCouponCode(input.code);
  if (code === null) throw badRequest(`code must be ${COUPON_CODE_WORDS}`, 'code');
  if (input.amountMicros <= 0n) throw badRequest('amount must be greater than zero', 'amount');
  if (input.amountMicros > ledger.BALANCE_MICROS_MAX) throw badRequest(`amount must be at most ${formatMicros(ledger.BALANCE_MICROS_MAX)} credits, the most a wallet can hold`, 'amount');
  if (input.expiresAtMs !== null && input.expiresAtMs <= nowMs) throw badRequest('expires_at must be in the future', 'expires_at');
  const row = {
    code,
    amount_micros: input.amountMicros,
    max_redemptions: input.maxRedemptions === null ? null : BigInt(input.maxRedemptions),
    redemptions: 0n,
    expires_at_ms: input.expiresAtMs === null ? null : BigInt(input.expiresAtMs),
    credit_expires_days: input.creditExpiresDays,
    disabled_at_ms: null,
    created_at_ms: BigInt(nowMs),
  };
  const inserted = await db.insertInto('coupons').values(row).onConflict((conflict) => conflict.column('code').doNothing()).returning('code').execute();
  if (inserted.length === 0) throw new ApiError(409, 'coupon_exists', `A coupon with the code ${code} exists already; codes are never reused, even once disabled.`, 'code');
  return rowToCoupon(row);
}

export async function listCoupons(db: Kysely<Database>, page: { limit: number; after: string | null }): Promise<{ coupons: Coupon[]; hasMore: boolean }> {
  let query = db.selectFrom('coupons').selectAll().orderBy('code').limit(page.limit + 1);
  if (page.after !== null) query = query.where('code', '>', page.after.toUpperCase());
  const rows = await query.execute();
  return { coupons: rows.slice(0, page.limit).map(rowToCoupon), hasMore: rows.length > page.limit };
}

/** Disables the code for good; disabling it again keeps the first time. Credit granted stays. */
export async function disableCoupon(db: Kysely<Database>, codeText: string, nowMs: number): Promise<Coupon> {
  const code = normalizeCouponCode(codeText) ?? codeText;
  await db.updateTable('coupons').set({ disabled_at_ms: BigInt(nowMs) }).where('code', '=', code).where('disabled_at_ms', 'is', null).execute();
  const row = await db.selectFrom('coupons').selectAll().where('code', '=', code).executeTakeFirst();
  if (!row) throw couponNotFound();
  return rowToCoupon(row);
}

export const couponNotFound = () => new ApiError(404, 'coupon_not_found', 'No coupon has this code.', 'code');
