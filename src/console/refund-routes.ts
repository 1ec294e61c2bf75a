// /console/refunds: the owner asks for a refund of the account's unused paid credit (an admin
// decides, src/admin/refund-routes.ts) and reads its requests.
import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { apiKeyAuth, API_KEY_SECURITY } from '../http/api-key-auth';
import { refuseHostileInput } from '../http/hostile-input';
import { readPageLimit } from '../http/paging';
import { refundableNow, requestRefund } from '../payments/refund-decide';
import { refundJson, refundListQuery, refundListSchema, refundRequestBody, refundSchema } from '../payments/refund-model';
import { listRefunds, type Refund } from '../payments/refund-store';

export function consoleRefundRoutes(context: AppContext) {
  const { db, now } = context;
  const detail = (summary: string) => ({ summary, tags: ['console'], security: API_KEY_SECURITY });
  const view = async (refund: Refund) => refundJson(refund, await refundableNow(db, refund, now()));
  return new Elysia({ prefix: '/console' })
    .use(apiKeyAuth(context))
    .use(refuseHostileInput())
    .post(
      '/refunds',
      async ({ apiKey, body, set }) => {
        const refund = await requestRefund(db, apiKey.accountId, body.reason, now());
        set.status = 201;
        return view(refund);
      },
      {
        body: refundRequestBody,
        response: { 201: refundSchema },
        detail: detail('Ask for a refund of the unused paid credit bought through Stripe (promo credit is never refunded); an admin decides'),
      },
    )
    .get(
      '/refunds',
      async ({ apiKey, query }) => {
        const refunds = await listRefunds(db, { status: query.status ?? null, accountId: apiKey.accountId, limit: readPageLimit(query.limit) });
        return { object: 'list' as const, data: await Promise.all(refunds.map(view)) };
      },
      { query: refundListQuery, response: refundListSchema, detail: detail("The key's account's refund requests, newest first") },
    );
}
