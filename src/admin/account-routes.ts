// Admin routes for accounts: create (with its trial credit, through the ledger), read, list,
// suspend/unsuspend, close, set plan, set the models its keys may use.
import { Elysia, t } from 'elysia';
import type { AppContext } from '../context';
import { badRequest } from '../errors';
import { refuseHostileInput } from '../http/hostile-input';
import { readPageLimit } from '../http/paging';
import * as accounts from '../accounts/service';
import { accountIdParams, accountJson, accountSchema, createAccountBody, listQuery, setModelsBody, setPlanBody } from '../accounts/model';
import * as ledger from '../ledger/service';
import { adminAuth, ADMIN_SECURITY } from './auth';

const detail = (summary: string) => ({ summary, tags: ['admin: accounts'], security: ADMIN_SECURITY });

export function accountRoutes(context: AppContext) {
  const { db, config, keyCache, now } = context;
  const checkPlan = (plan: string | null | undefined) => {
    // The plans of the current config (a reload may have changed them), not those at build time.
    const { plans } = context.config;
    if (plan && !(plan in plans)) throw badRequest(`unknown plan "${plan}"; configured plans: ${Object.keys(plans).join(', ') || 'none'}`, 'plan');
  };

  const changeStatus = async (accountId: string, status: accounts.AccountStatus) => {
    const account = await accounts.setAccountStatus(db, accountId, status, now());
    // Keys of this account authenticate from the cache until it is cleared.
    keyCache.clear();
    return accountJson(account);
  };

  return new Elysia({ prefix: '/admin/accounts' })
    .use(adminAuth(context))
    .use(refuseHostileInput())
    .post(
      '',
      async ({ body, set }) => {
        checkPlan(body.plan);
        const input = { name: body.name, email: body.email ?? null, plan: body.plan ?? null };
        const nowMs = now();
        // The account and its trial credit commit together: no account is ever left without it.
        const account = await db.transaction().execute(async (trx) => {
          const created = await accounts.createAccount(trx, input, nowMs);
          const trial = config.wallet;
          if (trial.trialCreditsMicros > 0n) {
            await ledger.grantCredits(
              trx,
              {
                accountId: created.id,
                kind: 'promo',
                amountMicros: trial.trialCreditsMicros,
                expiresAtMs: trial.trialExpiresDays > 0 ? nowMs + trial.trialExpiresDays * 86_400_000 : null,
                source: 'trial',
                memo: 'trial credits',
                idempotencyKey: `trial:${created.id}`,
              },
              nowMs,
            );
          }
          return created;
        });
        set.status = 201;
        return accountJson(account);
      },
      { body: createAccountBody, response: { 201: accountSchema }, detail: detail('Create an account') },
    )
    .get(
      '',
      async ({ query }) => {
        const list = await accounts.listAccounts(db, { limit: readPageLimit(query.limit), after: query.after ?? null });
        return { object: 'list' as const, data: list.map(accountJson) };
      },
      { query: listQuery, response: t.Object({ object: t.Literal('list'), data: t.Array(accountSchema) }), detail: detail('List accounts') },
    )
    .get('/:id', async ({ params }) => accountJson(await accounts.getAccount(db, params.id)), {
      params: accountIdParams,
      response: accountSchema,
      detail: detail('Get an account'),
    })
    .post('/:id/suspend', ({ params }) => changeStatus(params.id, 'suspended'), {
      params: accountIdParams,
      response: accountSchema,
      detail: detail('Suspend an account: its keys get 403 account_suspended (409 when the account is closed)'),
    })
    .post('/:id/unsuspend', ({ params }) => changeStatus(params.id, 'active'), {
      params: accountIdParams,
      response: accountSchema,
      detail: detail('Lift a suspension (409 when the account is closed)'),
    })
    .post('/:id/close', ({ params }) => changeStatus(params.id, 'closed'), {
      params: accountIdParams,
      response: accountSchema,
      detail: detail('Close an account for good: its keys get 403 account_closed; its ledger stays readable'),
    })
    .put(
      '/:id/plan',
      async ({ params, body }) => {
        checkPlan(body.plan);
        const account = await accounts.setAccountPlan(db, params.id, body.plan, now());
        keyCache.clear();
        return accountJson(account);
      },
      { params: accountIdParams, body: setPlanBody, response: accountSchema, detail: detail("Set an account's plan (Stripe subscription events created before this leave it alone; the next one sets the plan again)") },
    )
    .put(
      '/:id/models',
      async ({ params, body }) => {
        const account = await accounts.setAccountModels(db, params.id, body.models, now());
        keyCache.clear();
        return accountJson(account);
      },
      {
        params: accountIdParams,
        body: setModelsBody,
        response: accountSchema,
        detail: detail(
          "Set the models every key of the account may use, whatever its billing (null: no narrowing). A key's own list and the plan's narrow further; other models are 403 model_not_allowed and missing from /v1/models. Other replicas apply it within cache.key_ttl_ms.",
        ),
      },
    );
}
