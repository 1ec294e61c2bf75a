// POST /console/coupons/redeem: the key's account redeems a coupon code for promo credit.
import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { apiKeyAuth, API_KEY_SECURITY } from '../http/api-key-auth';
import { refuseHostileInput } from '../http/hostile-input';
import { redeemCouponBody, redemptionJson, redemptionSchema } from '../coupons/model';
import { redeemCoupon } from '../coupons/redeem';
import * as ledger from '../ledger/service';
import { walletJson } from '../money-wire/wire';

export function consoleCouponRoutes(context: AppContext) {
  const { db, now } = context;
  return new Elysia({ prefix: '/console' })
    .use(apiKeyAuth(context))
    .use(refuseHostileInput())
    .post(
      '/coupons/redeem',
      async ({ apiKey, body }) => {
        const nowMs = now();
        const redemption = await redeemCoupon(db, { code: body.code, accountId: apiKey.accountId }, nowMs);
        return redemptionJson(redemption, walletJson(await ledger.getWalletSummary(db, apiKey.accountId, nowMs)));
      },
      {
        body: redeemCouponBody,
        response: redemptionSchema,
        detail: {
          summary:
            "Redeem a coupon code (any case) for promo credit in the key's wallet, once per account. 404 coupon_not_found; 409 coupon_already_redeemed; 410 coupon_used_up, coupon_expired or coupon_disabled",
          tags: ['console'],
          security: API_KEY_SECURITY,
        },
      },
    );
}
