// The account's history as CSV for accounting: GET /console/ledger.csv and /console/usage.csv,
// with an optional period (?from=&to=). See src/exports for what a line is.
import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { csvResponse } from '../exports/csv';
import { ledgerCsvPages, LEDGER_CSV_HEADER } from '../exports/ledger-csv';
import { usageCsvPages, USAGE_CSV_HEADER } from '../exports/usage-csv';
import { exportQuery, readExportWindow } from '../exports/window';
import { apiKeyAuth, API_KEY_SECURITY } from '../http/api-key-auth';

const csvDetail = (summary: string, header: readonly string[]) => ({
  summary,
  tags: ['console'],
  security: API_KEY_SECURITY,
  responses: {
    200: {
      description: `RFC 4180 CSV, a header line first: ${header.join(',')}. Amounts are decimal strings of credits, times ISO 8601 in UTC; oldest first.`,
      content: { 'text/csv': { schema: { type: 'string' as const } } },
    },
  },
});

export function consoleExportRoutes(context: AppContext) {
  const { db } = context;
  return new Elysia({ prefix: '/console' })
    .use(apiKeyAuth(context))
    .get('/ledger.csv', ({ apiKey, query }) => csvResponse(ledgerCsvPages(db, apiKey.accountId, readExportWindow(query)), `ledger-${apiKey.accountId}.csv`), {
      query: exportQuery,
      detail: csvDetail("The key's own ledger as CSV: one line per transaction and per charged request, as /console/ledger lists them; balance_change sums to the balance", LEDGER_CSV_HEADER),
    })
    .get('/usage.csv', ({ apiKey, query }) => csvResponse(usageCsvPages(db, apiKey.accountId, readExportWindow(query)), `usage-${apiKey.accountId}.csv`), {
      query: exportQuery,
      detail: csvDetail("The key's account's requests as CSV, one line each, with what each was charged", USAGE_CSV_HEADER),
    });
}
