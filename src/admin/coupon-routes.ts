// Admin routes for coupons: create a code, list them with their redemption counts, disable one.
// Redeeming is the account owner's (src/console/coupon-routes.ts).
import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { badRequest } from '../errors';
import { refuseHostileInput } from '../http/hostile-input';
import { readPageLimit } from '../http/paging';
import { couponCodeParams, couponJson, couponListQuery, couponListSchema, couponSchema, createCouponBody } from '../coupons/model';
import * as coupons from '../coupons/service';
import { parseCreditsToMicros } from '../shared/money';
import { adminAuth, ADMIN_SECURITY } from './auth';

const detail = (summary: string) => ({ summary, tags: ['admin: coupons'], security: ADMIN_SECURITY });

export function couponRoutes(context: AppContext) {
  const { db, config, now } = context;
  return new Elysia({ prefix: '/admin/coupons' })
    .use(adminAuth(context))
    .use(refuseHostileInput())
    .post(
      '',
      async ({ body, set }) => {
        const amountMicros = parseCreditsToMicros(body.amount);
        if (amountMicros === null || amountMicros <= 0n) throw badRequest('amount must be a positive decimal string of credits with at most 6 decimals', 'amount');
        const expiresAtMs = body.expires_at ? Date.parse(body.expires_at) : null;
        if (expiresAtMs !== null && !Number.isFinite(expiresAtMs)) throw badRequest('expires_at must be a date and time in RFC 3339 form', 'expires_at');
        const nowMs = now();
        const input = { code: body.code, amountMicros, maxRedemptions: body.max_redemptions ?? null, expiresAtMs, creditExpiresDays: body.credit_expires_days ?? null };
        const coupon = await coupons.createCoupon(db, input, nowMs);
        set.status = 201;
        return couponJson(coupon, nowMs);
      },
      {
        body: createCouponBody,
        response: { 201: couponSchema },
        detail: detail('Create a coupon: each account may redeem it once for `amount` promo credits (409 coupon_exists when the code is taken, even by a disabled coupon)'),
      },
    )
    .get(
      '',
      async ({ query }) => {
        const nowMs = now();
        const page = await coupons.listCoupons(db, { limit: readPageLimit(query.limit), after: query.after ?? null });
        return { object: 'list' as const, data: page.coupons.map((coupon) => couponJson(coupon, nowMs)), has_more: page.hasMore };
      },
      { query: couponListQuery, response: couponListSchema, detail: detail('List coupons by code, with how many accounts redeemed each') },
    )
    .post(
      '/:code/disable',
      async ({ params }) => {
        const nowMs = now();
        return couponJson(await coupons.disableCoupon(db, params.code, nowMs), nowMs);
      },
      { params: couponCodeParams, response: couponSchema, detail: detail('Disable a coupon for good: later redemptions get 410 coupon_disabled; credit already granted stays') },
    );
}
