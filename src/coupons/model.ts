// The wire shapes of coupons: the admin's create body, the customer's redeem body, a coupon as
// the admin lists it and a redemption as the customer gets it. Amounts are decimal strings of
// credits, times RFC 3339 in UTC.
import { t } from 'elysia';
import { pageLimitQuery } from '../http/paging';
import { walletSchema, type walletJson } from '../money-wire/wire';
import { formatMicros } from '../shared/money';
import { COUPON_CODE_PATTERN, COUPON_CODE_WORDS } from './code';
import type { Redemption } from './redeem';
import { couponStatus, type Coupon } from './service';

export const createCouponBody = t.Object(
  {
    code: t.String({ pattern: COUPON_CODE_PATTERN, expected: COUPON_CODE_WORDS, description: 'Case-insensitive; stored in upper case' }),
    amount: t.String({ maxLength: 24, description: 'Promo credits each redemption grants, as a decimal string, e.g. "20" or "2.5"' }),
    max_redemptions: t.Optional(t.Union([t.Integer({ minimum: 1, maximum: 1_000_000_000 }), t.Null()], { description: 'How many accounts may redeem it; null or absent: no limit' })),
    expires_at: t.Optional(t.Union([t.String({ format: 'date-time' }), t.Null()], { description: 'No redemption after this moment; null or absent: never' })),
    credit_expires_days: t.Optional(t.Union([t.Integer({ minimum: 1, maximum: 3650 }), t.Null()], { description: 'The granted credit expires this many days after redemption; null or absent: never' })),
  },
  { additionalProperties: false },
);

export const redeemCouponBody = t.Object(
  { code: t.String({ minLength: 1, maxLength: 100, description: 'The coupon code, in any case' }) },
  { additionalProperties: false },
);

export const couponCodeParams = t.Object({ code: t.String({ minLength: 1, maxLength: 64 }) });

export const couponListQuery = t.Object({
  limit: pageLimitQuery,
  after: t.Optional(t.String({ minLength: 1, maxLength: 64, description: 'Return coupons whose code sorts after this one' })),
});

const credits = (description: string) => t.String({ pattern: '^-?\\d+\\.\\d{6}$', description });
const nullableTime = (description: string) => t.Union([t.String({ format: 'date-time' }), t.Null()], { description });

export const couponSchema = t.Object({
  object: t.Literal('coupon'),
  code: t.String(),
  amount: credits('Promo credits each redemption grants'),
  max_redemptions: t.Union([t.Integer(), t.Null()]),
  redemptions: t.Integer({ description: 'Accounts that have redeemed it' }),
  status: t.Union([t.Literal('active'), t.Literal('used_up'), t.Literal('expired'), t.Literal('disabled')]),
  expires_at: nullableTime('No redemption after this moment'),
  credit_expires_days: t.Union([t.Integer(), t.Null()]),
  disabled_at: nullableTime('When an admin disabled it'),
  created_at: t.String({ format: 'date-time' }),
});

export const couponListSchema = t.Object({ object: t.Literal('list'), data: t.Array(couponSchema), has_more: t.Boolean() });

export const redemptionSchema = t.Object({
  object: t.Literal('coupon_redemption'),
  code: t.String(),
  amount: credits('Promo credits granted'),
  credit_expires_at: nullableTime('When the granted credit expires'),
  grant_id: t.String(),
  transaction_id: t.String(),
  wallet: walletSchema,
});

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function couponJson(coupon: Coupon, nowMs: number) {
  return {
    object: 'coupon' as const,
    code: coupon.code,
    amount: formatMicros(coupon.amountMicros),
    max_redemptions: coupon.maxRedemptions,
    redemptions: coupon.redemptions,
    status: couponStatus(coupon, nowMs),
    expires_at: isoOrNull(coupon.expiresAtMs),
    credit_expires_days: coupon.creditExpiresDays,
    disabled_at: isoOrNull(coupon.disabledAtMs),
    created_at: new Date(coupon.createdAtMs).toISOString(),
  };
}

export function redemptionJson(redemption: Redemption, wallet: ReturnType<typeof walletJson>) {
  return {
    object: 'coupon_redemption' as const,
    code: redemption.code,
    amount: formatMicros(redemption.amountMicros),
    credit_expires_at: isoOrNull(redemption.creditExpiresAtMs),
    grant_id: redemption.grantId,
    transaction_id: redemption.transactionId,
    wallet,
  };
}
