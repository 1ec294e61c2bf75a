// GET /console/ledger.csv: the account's ledger lines, oldest first, the same lines as
// /console/ledger. That is one line per transaction (a grant with its Stripe ids or coupon in
// the memo, an expiry write-off, a refund), and one per charged request: what a statement
// lists, and what an accountant matches against Stripe's payouts and against usage.csv (a
// request's line has the id of its usage record). The batch transactions that carry many
// requests' money are not lines of their own, so no charge is counted twice. balance_change
// sums, over the whole history, to the wallet's balance; paid_change and promo_change split it
// into credit sold and credit given away.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import * as ledger from '../ledger/service';
import { formatMicros } from '../shared/money';
import { csvText, type CsvPages } from './csv';
import type { ExportWindow } from './window';

const PAGE_LINES = 500;

export const LEDGER_CSV_HEADER = ['time', 'id', 'kind', 'amount', 'balance_change', 'paid_change', 'promo_change', 'memo'] as const;

export function ledgerCsvPages(db: Kysely<Database>, accountId: string, window: ExportWindow): CsvPages<ledger.LedgerPosition> {
  return {
    header: LEDGER_CSV_HEADER,
    read: async (after) => {
      const page = await ledger.readLedgerLines(db, accountId, { ...window, order: 'asc', limit: PAGE_LINES, after });
      const last = page.lines.at(-1);
      return {
        lines: page.lines.map((line) => [
          new Date(line.createdAtMs).toISOString(),
          line.transactionId,
          line.kind,
          formatMicros(line.amountMicros),
          formatMicros(line.balanceChangeMicros),
          formatMicros(line.paidChangeMicros),
          formatMicros(line.promoChangeMicros),
          csvText(line.memo),
        ]),
        next: page.hasMore && last ? { createdAtMs: last.createdAtMs, transactionId: last.transactionId } : null,
      };
    },
  };
}
