// The account owner's console: the key's own wallet and ledger, read with its API key.
// Amounts are decimal strings of credits, in the same shapes the admin routes answer.
import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { apiKeyAuth, API_KEY_SECURITY } from '../http/api-key-auth';
import * as ledger from '../ledger/service';
import { ledgerJson, ledgerListSchema, ledgerQuery, readLedgerPage, walletJson, walletSchema } from '../money-wire/wire';

export function consoleRoutes(context: AppContext) {
  const { db, now } = context;
  const detail = (summary: string) => ({ summary, tags: ['console'], security: API_KEY_SECURITY });
  return new Elysia({ prefix: '/console' })
    .use(apiKeyAuth(context))
    .get('/wallet', async ({ apiKey }) => walletJson(await ledger.getWalletSummary(db, apiKey.accountId, now())), {
      response: walletSchema,
      detail: detail("The key's own wallet"),
    })
    .get('/ledger', async ({ apiKey, query }) => ledgerJson(await ledger.listLedger(db, apiKey.accountId, readLedgerPage(query))), {
      query: ledgerQuery,
      response: ledgerListSchema,
      detail: detail("The key's own ledger, newest first"),
    });
}
