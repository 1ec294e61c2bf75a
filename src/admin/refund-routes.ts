// /admin/refunds: refund requests, and their decision. Approval takes the credit back in one
// transaction; the money goes back through Stripe after it commits (a call that fails is
// retried by the scheduler, so the answer may show an item still pending).
import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { refuseHostileInput } from '../http/hostile-input';
import { readPageLimit } from '../http/paging';
import { approveRefund, refundableNow, rejectRefund } from '../payments/refund-decide';
import { refundIdParams, refundJson, refundListQuery, refundListSchema, refundSchema } from '../payments/refund-model';
import { getRefund, listRefunds, type Refund } from '../payments/refund-store';
import { submitRefundItems } from '../payments/refund-submit';
import { adminAuth, ADMIN_SECURITY } from './auth';

export function adminRefundRoutes(context: AppContext) {
  const { db, config, stripe, now } = context;
  const detail = (summary: string) => ({ summary, tags: ['admin: refunds'], security: ADMIN_SECURITY });
  const view = async (refund: Refund) => refundJson(refund, await refundableNow(db, refund, now()));
  return new Elysia({ prefix: '/admin/refunds' })
    .use(adminAuth(context))
    .use(refuseHostileInput())
    .get(
      '',
      async ({ query }) => {
        const refunds = await listRefunds(db, { status: query.status ?? null, accountId: null, limit: readPageLimit(query.limit) });
        return { object: 'list' as const, data: await Promise.all(refunds.map(view)) };
      },
      { query: refundListQuery, response: refundListSchema, detail: detail('Refund requests, newest first, with what approving each would refund') },
    )
    .post(
      '/:id/approve',
      async ({ params }) => {
        const { approvedNow } = await approveRefund(db, stripe !== null, params.id, now());
        // Only the approval that took the credit sends the money; a repeat answers the refund as it is.
        if (approvedNow && stripe) await submitRefundItems(db, stripe, params.id, now());
        return view(await getRefund(db, params.id));
      },
      {
        params: refundIdParams,
        response: refundSchema,
        detail: detail('Approve a refund: takes back the unused paid credit of its purchases and refunds their money through Stripe (409 while a dispute is open)'),
      },
    )
    .post('/:id/reject', async ({ params }) => view(await rejectRefund(db, params.id, now())), {
      params: refundIdParams,
      response: refundSchema,
      detail: detail('Reject a refund request'),
    });
}
