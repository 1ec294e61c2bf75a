// The wire of GET /console/purchases: its query, and each purchase with its receipt. Amounts
// paid are decimal strings of the currency (2 places), credits of credits (6).
import { t } from 'elysia';
import { pageLimitQuery, readPageLimit } from '../http/paging';
import { decodeLedgerCursor, encodeLedgerCursor } from '../money-wire/cursor';
import { formatCents, formatMicros } from '../shared/money';
import type { PurchaseLine, PurchasesAfter } from './purchase-list';

export const purchasesQuery = t.Object({
  limit: pageLimitQuery,
  cursor: t.Optional(t.String({ pattern: '^[A-Za-z0-9_-]{1,200}$', expected: 'the next_cursor of a previous page', description: 'next_cursor of the previous page' })),
});

/** The page a query asks for. The cursor is the ledger's kind (a time and an id), naming a purchase. */
export function readPurchasesPage(query: typeof purchasesQuery.static): { limit: number; after: PurchasesAfter | null } {
  const position = query.cursor === undefined ? null : decodeLedgerCursor(query.cursor);
  return { limit: readPageLimit(query.limit), after: position && { createdAtMs: position.createdAtMs, id: position.transactionId } };
}

const nullableString = (description: string) => t.Union([t.String(), t.Null()], { description });

export const purchaseListSchema = t.Object({
  object: t.Literal('list'),
  data: t.Array(
    t.Object({
      id: t.String(),
      object: t.Literal('purchase'),
      source: t.Union([t.Literal('checkout'), t.Literal('auto_refill')]),
      amount: t.String({ pattern: '^\\d+\\.\\d{2}$', description: 'What was paid, in `currency`' }),
      currency: t.String(),
      credits: t.String({ pattern: '^\\d+\\.\\d{6}$', description: 'The paid credit it granted' }),
      refunded_credits: t.String({ pattern: '^\\d+\\.\\d{6}$' }),
      stripe_payment_intent_id: t.String(),
      stripe_checkout_session_id: nullableString('The Checkout Session it was paid through; null for auto-refill'),
      stripe_charge_id: nullableString('The charge, when known'),
      receipt: t.Union([
        t.Object({
          status: t.Union([t.Literal('pending'), t.Literal('sent'), t.Literal('skipped'), t.Literal('failed')], { description: 'pending: not sent yet (always, without [smtp]); skipped: the account has no email' }),
          recipient: nullableString('Where it was sent'),
          sent_at: t.Union([t.String({ format: 'date-time' }), t.Null()]),
        }),
        t.Null(),
      ]),
      created_at: t.String({ format: 'date-time' }),
    }),
  ),
  has_more: t.Boolean(),
  next_cursor: nullableString('Pass as ?cursor= for the next (older) page; null on the last page'),
});

export function purchasesJson({ lines, hasMore }: { lines: PurchaseLine[]; hasMore: boolean }): typeof purchaseListSchema.static {
  const last = lines.at(-1);
  return {
    object: 'list',
    data: lines.map((line) => ({
      id: line.id,
      object: 'purchase' as const,
      source: line.source,
      amount: formatCents(line.amountMinor),
      currency: line.currency,
      credits: formatMicros(line.creditsMicros),
      refunded_credits: formatMicros(line.refundedMicros),
      stripe_payment_intent_id: line.stripePaymentIntentId,
      stripe_checkout_session_id: line.stripeCheckoutSessionId,
      stripe_charge_id: line.stripeChargeId,
      receipt: line.receipt && { status: line.receipt.status, recipient: line.receipt.recipient, sent_at: line.receipt.sentAtMs === null ? null : new Date(line.receipt.sentAtMs).toISOString() },
      created_at: new Date(line.createdAtMs).toISOString(),
    })),
    has_more: hasMore,
    next_cursor: hasMore && last ? encodeLedgerCursor({ createdAtMs: last.createdAtMs, transactionId: last.id }) : null,
  };
}
