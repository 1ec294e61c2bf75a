// The account owner's console: the key's own wallet, ledger and plan quota, read with its API key.
// Amounts are decimal strings of credits, in the same shapes the admin routes answer.
import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { apiKeyAuth, API_KEY_SECURITY } from '../http/api-key-auth';
import * as ledger from '../ledger/service';
import { ledgerJson, ledgerListSchema, ledgerQuery, readLedgerPage, walletJson, walletSchema } from '../money-wire/wire';
import { quotaJson, quotaSchema } from '../quotas/model';
import { requirePlan } from '../quotas/plans';

export function consoleRoutes(context: AppContext) {
  const { db, now, quotas } = context;
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
    })
    .get(
      '/quota',
      async ({ apiKey }) => {
        const resolution = quotas.resolvePlan(apiKey.accountPlan);
        if (resolution.kind === 'none') return quotaJson(apiKey.accountId, null, null);
        const plan = requirePlan(resolution);
        const reading = await quotas.read({ accountId: apiKey.accountId, keyId: apiKey.id, keyLimits: apiKey.limits }, plan);
        return quotaJson(apiKey.accountId, plan, reading);
      },
      {
        response: quotaSchema,
        detail: detail("The account's plan and, for each of its limits (and this key's own), what is used, what is left and when it resets"),
      },
    );
}
