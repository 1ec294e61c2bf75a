// Admin money routes: grant paid or promo credit, read any account's wallet and ledger. The
// ledger does the writing; these routes only check the account and shape the wire.
import { Elysia, t } from 'elysia';
import * as accounts from '../accounts/service';
import type { AppContext } from '../context';
import { badRequest } from '../errors';
import { refuseHostileInput } from '../http/hostile-input';
import * as ledger from '../ledger/service';
import { ledgerJson, ledgerListSchema, ledgerQuery, readLedgerPage, walletJson, walletSchema } from '../money-wire/wire';
import { parseCreditsToMicros } from '../shared/money';
import { newId } from '../shared/ids';
import { adminAuth, ADMIN_SECURITY } from './auth';

const grantBody = t.Object(
  {
    amount: t.String({ description: 'Credits as a decimal string, e.g. "25" or "0.5"', maxLength: 24 }),
    kind: t.Union([t.Literal('paid'), t.Literal('promo')]),
    expires_at: t.Optional(t.Union([t.String({ format: 'date-time' }), t.Null()])),
    note: t.Optional(t.Union([t.String({ maxLength: 500 }), t.Null()])),
    idempotency_key: t.Optional(t.String({ minLength: 1, maxLength: 200, description: 'Retry-safe key; also read from the Idempotency-Key header' })),
  },
  { additionalProperties: false },
);

export function adminCreditRoutes(context: AppContext) {
  const { db, config, now } = context;
  const detail = (summary: string) => ({ summary, tags: ['admin: credits'], security: ADMIN_SECURITY });
  const idParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) });
  return new Elysia({ prefix: '/admin/accounts' })
    .use(adminAuth(context))
    .use(refuseHostileInput())
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
