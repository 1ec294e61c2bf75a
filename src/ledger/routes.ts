// Money over HTTP: admins grant credit and read any ledger; account owners read their own
// wallet and ledger with their API key. Amounts are decimal strings of credits.
import { Elysia, t } from 'elysia';
import { adminAuth, ADMIN_SECURITY } from '../admin/auth';
import * as accounts from '../accounts/service';
import type { AppContext } from '../context';
import { badRequest } from '../errors';
import { authenticateKey } from '../keys/auth';
import { formatMicros, parseCreditsToMicros } from '../shared/money';
import { newId } from '../shared/ids';
import * as ledger from './service';
import type { LedgerLine } from './read';

const credits = (description: string) => t.String({ pattern: '^-?\\d+\\.\\d{6}$', description });

const walletSchema = t.Object({
  object: t.Literal('wallet'),
  account_id: t.String(),
  balance: credits('Spendable credit: paid + promo, unexpired'),
  paid: credits('Paid credit (refundable while unused)'),
  promo: credits('Promotional credit (trial, coupons)'),
  reserved: credits('Held by requests in flight'),
  available: credits('What new requests can reserve'),
});

const ledgerLineSchema = t.Object({
  id: t.String(),
  kind: t.String(),
  amount: credits('The amount the transaction moved'),
  balance_change: credits("Signed change of the wallet's balance"),
  hold_id: t.Union([t.String(), t.Null()]),
  memo: t.Union([t.String(), t.Null()]),
  created_at: t.String({ format: 'date-time' }),
});
const ledgerListSchema = t.Object({ object: t.Literal('list'), data: t.Array(ledgerLineSchema), has_more: t.Boolean() });

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
const ledgerQuery = t.Object({ limit: t.Optional(t.Numeric({ minimum: 1, maximum: 500 })), before: t.Optional(t.String({ format: 'date-time' })) });

function walletJson(summary: ledger.WalletSummary) {
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

function ledgerJson(lines: LedgerLine[], limit: number) {
  return {
    object: 'list' as const,
    data: lines.map((line) => ({
      id: line.transactionId,
      kind: line.kind,
      amount: formatMicros(line.amountMicros),
      balance_change: formatMicros(line.balanceChangeMicros),
      hold_id: line.holdId,
      memo: line.memo,
      created_at: new Date(line.createdAtMs).toISOString(),
    })),
    has_more: lines.length === limit,
  };
}

export function adminLedgerRoutes(context: AppContext) {
  const { db, config, now } = context;
  const detail = (summary: string) => ({ summary, tags: ['admin: credits'], security: ADMIN_SECURITY });
  const idParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) });
  return new Elysia({ prefix: '/admin/accounts' })
    .use(adminAuth(config.adminToken))
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
        await accounts.getAccount(db, params.id);
        const limit = query.limit ?? 100;
        return ledgerJson(await ledger.listLedger(db, params.id, { limit, beforeMs: query.before ? Date.parse(query.before) : null }), limit);
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
        const limit = query.limit ?? 100;
        return ledgerJson(await ledger.listLedger(db, await account(headers.authorization), { limit, beforeMs: query.before ? Date.parse(query.before) : null }), limit);
      },
      { query: ledgerQuery, response: ledgerListSchema, detail: detail("The key's own ledger, newest first") },
    );
}
