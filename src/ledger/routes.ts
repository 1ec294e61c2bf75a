// Money over HTTP: admins grant credit and read any ledger; account owners read their own
// wallet and ledger with their API key. Amounts are decimal strings of credits.
import { Elysia, t } from 'elysia';
import { adminAuth, ADMIN_SECURITY } from '../admin/auth';
import * as accounts from '../accounts/service';
import type { AppContext } from '../context';
import { badRequest } from '../errors';
import { refuseNulCharacters } from '../http/nul';
import { authenticateKey } from '../keys/auth';
import { parseCreditsToMicros } from '../shared/money';
import { newId } from '../shared/ids';
import * as ledger from './service';
import { grantBody, ledgerJson, ledgerListSchema, ledgerQuery, readLedgerPage, walletJson, walletSchema } from './wire';

export function adminLedgerRoutes(context: AppContext) {
  const { db, config, now } = context;
  const detail = (summary: string) => ({ summary, tags: ['admin: credits'], security: ADMIN_SECURITY });
  const idParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) });
  return new Elysia({ prefix: '/admin/accounts' })
    .use(adminAuth(config.adminToken))
    .use(refuseNulCharacters())
    .post(
      '/:id/credits',
      async ({ params, body, headers }) => {
        const amountMicros = parseCreditsToMicros(body.amount);
        if (amountMicros === null || amountMicros <= 0n) throw badRequest('amount must be a positive decimal string of credits with at most 6 decimals', 'amount');
        await accounts.getAccount(db, params.id);
        const nowMs = now();
        const result = await ledger.grant(
          db,
          {
            accountId: params.id,
            kind: body.kind,
            amountMicros,
            expiresAtMs: body.expires_at ? Date.parse(body.expires_at) : null,
            source: 'admin',
            memo: body.note ?? null,
            idempotencyKey: `admin:${body.idempotency_key ?? headers['idempotency-key'] ?? newId('grant')}`,
          },
          nowMs,
        );
        return { transaction_id: result.transactionId, grant_id: result.grantId, replayed: result.replayed, wallet: walletJson(await ledger.getWalletSummary(db, params.id, nowMs)) };
      },
      {
        params: idParams,
        body: grantBody,
        response: t.Object({ transaction_id: t.String(), grant_id: t.Union([t.String(), t.Null()]), replayed: t.Boolean(), wallet: walletSchema }),
        detail: detail('Grant paid or promo credit'),
      },
    )
    .get('/:id/wallet', async ({ params }) => {
      await accounts.getAccount(db, params.id);
      return walletJson(await ledger.getWalletSummary(db, params.id, now()));
    }, { params: idParams, response: walletSchema, detail: detail("An account's wallet") })
    .get(
      '/:id/ledger',
      async ({ params, query }) => {
        const page = readLedgerPage(query);
        await accounts.getAccount(db, params.id);
        return ledgerJson(await ledger.listLedger(db, params.id, page));
      },
      { params: idParams, query: ledgerQuery, response: ledgerListSchema, detail: detail("An account's ledger, newest first") },
    );
}

export function consoleLedgerRoutes(context: AppContext) {
  const { db, keyCache, now } = context;
  const detail = (summary: string) => ({ summary, tags: ['console'], security: [{ apiKeyBearer: [] as string[] }] });
  const account = async (authorization: string | undefined) => (await authenticateKey(db, keyCache, authorization, now())).accountId;
  return new Elysia({ prefix: '/console' })
    .get('/wallet', async ({ headers }) => walletJson(await ledger.getWalletSummary(db, await account(headers.authorization), now())), {
      response: walletSchema,
      detail: detail("The key's own wallet"),
    })
    .get(
      '/ledger',
      async ({ headers, query }) => {
        const accountId = await account(headers.authorization);
        return ledgerJson(await ledger.listLedger(db, accountId, readLedgerPage(query)));
      },
      { query: ledgerQuery, response: ledgerListSchema, detail: detail("The key's own ledger, newest first") },
    );
}
