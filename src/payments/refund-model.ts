// Wire shapes of the refund routes (/console/refunds, /admin/refunds). Credits are decimal
// strings of credits; money is a decimal string of US dollars.
import { t } from 'elysia';
import { pageLimitQuery } from '../http/paging';
import { formatMicros } from '../shared/money';
import { formatCents } from './credit-price';
import type { Refund } from './refund-store';

const creditsOut = (description: string) => t.String({ pattern: '^\\d+\\.\\d{6}$', description });
const usd = (description: string) => t.String({ pattern: '^\\d+\\.\\d{2}$', description });
const nullable = <T extends ReturnType<typeof t.String>>(schema: T) => t.Union([schema, t.Null()]);
const statusSchema = () => t.Union([t.Literal('requested'), t.Literal('approved'), t.Literal('rejected'), t.Literal('refunded')]);

export const refundRequestBody = t.Object({ reason: t.String({ minLength: 1, maxLength: 1000, description: 'Why the owner asks for the refund' }) }, { additionalProperties: false });

export const refundIdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) });

export const refundListQuery = t.Object({
  status: t.Optional(statusSchema()),
  limit: pageLimitQuery,
});

const itemSchema = t.Object({
  purchase_id: t.String(),
  credits: creditsOut('Credit taken back from this purchase'),
  amount_usd: usd('Money returned for it'),
  status: t.Union([t.Literal('pending'), t.Literal('submitted'), t.Literal('succeeded'), t.Literal('failed')]),
  stripe_refund: nullable(t.String()),
  error: nullable(t.String()),
});

export const refundSchema = t.Object({
  object: t.Literal('refund'),
  id: t.String(),
  account_id: t.String(),
  status: statusSchema(),
  reason: t.String(),
  credits: nullable(creditsOut('Credit taken back (set at approval)')),
  amount_usd: nullable(usd('Money returned (set at approval)')),
  refundable: t.Union([
    t.Object({ credits: creditsOut('What approving now would take back'), amount_usd: usd('and return'), held: t.Boolean({ description: 'An open dispute holds refunds of this account' }) }),
    t.Null(),
  ]),
  items: t.Array(itemSchema),
  created_at: t.String({ format: 'date-time' }),
  decided_at: nullable(t.String({ format: 'date-time' })),
  completed_at: nullable(t.String({ format: 'date-time' })),
});

export const refundListSchema = t.Object({ object: t.Literal('list'), data: t.Array(refundSchema) });

export interface Refundable {
  creditsMicros: bigint;
  amountMinor: bigint;
  held: boolean;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A refund as the routes answer it; `refundable` is for a request still waiting for its decision. */
export function refundJson(refund: Refund, refundable: Refundable | null) {
  return {
    object: 'refund' as const,
    id: refund.id,
    account_id: refund.accountId,
    status: refund.status,
    reason: refund.reason,
    credits: refund.creditsMicros === null ? null : formatMicros(refund.creditsMicros),
    amount_usd: refund.amountMinor === null ? null : formatCents(refund.amountMinor),
    refundable: refundable ? { credits: formatMicros(refundable.creditsMicros), amount_usd: formatCents(refundable.amountMinor), held: refundable.held } : null,
    items: refund.items.map((item) => ({
      purchase_id: item.purchaseId,
      credits: formatMicros(item.creditsMicros),
      amount_usd: formatCents(item.amountMinor),
      status: item.status,
      stripe_refund: item.stripeRefundId,
      error: item.lastError,
    })),
    created_at: new Date(refund.createdAtMs).toISOString(),
    decided_at: iso(refund.decidedAtMs),
    completed_at: iso(refund.completedAtMs),
  };
}
