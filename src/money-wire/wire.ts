// The wire shapes of a wallet and a ledger page, answered alike by /admin and /console (so
// they live here, below both, rather than in either): TypeBox schemas and the mappers from
// the ledger's values to them. Amounts are decimal strings of credits.
import { t } from 'elysia';
import { pageLimitQuery, readPageLimit } from '../http/paging';
import { formatMicros } from '../shared/money';
import { decodeLedgerCursor, encodeLedgerCursor } from './cursor';
import type { LedgerPage, WalletSummary } from '../ledger/service';

const credits = (description: string) => t.String({ pattern: '^-?\\d+\\.\\d{6}$', description });

export const walletSchema = t.Object({
  object: t.Literal('wallet'),
  account_id: t.String(),
  balance: credits('Spendable credit: paid + promo, unexpired'),
  paid: credits('Paid credit (refundable while unused)'),
  promo: credits('Promotional credit (trial, coupons)'),
  reserved: credits('Not spendable now: held by requests in flight and by gateway leases (every replica), until settled or given back'),
  available: credits('What new requests can reserve'),
});

const ledgerLineSchema = t.Object({
  id: t.String(),
  kind: t.String(),
  amount: credits('The amount the transaction moved'),
  balance_change: credits("Signed change of the wallet's balance: paid_change + promo_change"),
  paid_change: credits('The part of balance_change in paid credit'),
  promo_change: credits('The part of balance_change in promo credit (trial, coupons, admin promo)'),
  hold_id: t.Union([t.String(), t.Null()]),
  memo: t.Union([t.String(), t.Null()]),
  created_at: t.String({ format: 'date-time' }),
});
export const ledgerListSchema = t.Object({
  object: t.Literal('list'),
  data: t.Array(ledgerLineSchema),
  has_more: t.Boolean(),
  next_cursor: t.Union([t.String(), t.Null()], { description: 'Pass as ?cursor= for the next (older) page; null on the last page' }),
});

export const ledgerQuery = t.Object({
  limit: pageLimitQuery,
  cursor: t.Optional(t.String({ pattern: '^[A-Za-z0-9_-]{1,200}$', expected: 'the next_cursor of a previous page', description: 'next_cursor of the previous page' })),
  before: t.Optional(t.String({ format: 'date-time', description: 'Only transactions strictly older than this moment' })),
});
type LedgerQuery = typeof ledgerQuery.static;

/** The page a ledger query asks for; `before` and `cursor` may be combined (both must hold). */
export function readLedgerPage(query: LedgerQuery) {
  return {
    limit: readPageLimit(query.limit),
    beforeMs: query.before === undefined ? null : Date.parse(query.before),
    after: query.cursor === undefined ? null : decodeLedgerCursor(query.cursor),
  };
}

export function walletJson(summary: WalletSummary) {
  return {
    object: 'wallet' as const,
    account_id: summary.accountId,
    balance: formatMicros(summary.balanceMicros),
    paid: formatMicros(summary.paidMicros),
    promo: formatMicros(summary.promoMicros),
    reserved: formatMicros(summary.reservedMicros),
    available: formatMicros(summary.availableMicros),
  };
}

export function ledgerJson({ lines, hasMore }: LedgerPage) {
  const last = lines.at(-1);
  return {
    object: 'list' as const,
    data: lines.map((line) => ({
      id: line.transactionId,
      kind: line.kind,
      amount: formatMicros(line.amountMicros),
      balance_change: formatMicros(line.balanceChangeMicros),
      paid_change: formatMicros(line.paidChangeMicros),
      promo_change: formatMicros(line.promoChangeMicros),
      hold_id: line.holdId,
      memo: line.memo,
      created_at: new Date(line.createdAtMs).toISOString(),
    })),
    has_more: hasMore,
    next_cursor: hasMore && last ? encodeLedgerCursor({ createdAtMs: last.createdAtMs, transactionId: last.transactionId }) : null,
  };
}
