import { t } from 'elysia';
import { pageLimitQuery } from '../http/paging';
import type { Account } from './service';

// The WHATWG definition of a valid email address (what <input type=email> accepts): "a@b.c" and
// "ops@localhost" pass. Not TypeBox's format 'email': @elysiajs/openapi replaces that format,
// for every schema in the process, with one that demands a top-level domain of two letters.
const EMAIL_PATTERN =
  "^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$";

export const accountSchema = t.Object({
  id: t.String(),
  object: t.Literal('account'),
  name: t.String(),
  email: t.Union([t.String(), t.Null()]),
  status: t.Union([t.Literal('active'), t.Literal('suspended'), t.Literal('closed')]),
  plan: t.Union([t.String(), t.Null()]),
  models: t.Union([t.Array(t.String()), t.Null()], { description: 'The models every key of the account may use; null: no narrowing beyond each key\'s and the plan\'s lists.' }),
  created_at: t.String({ format: 'date-time' }),
});

export const createAccountBody = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 200 }),
    email: t.Optional(t.Union([t.String({ pattern: EMAIL_PATTERN, maxLength: 320, expected: 'a valid email address of at most 320 characters' }), t.Null()])),
    plan: t.Optional(t.Union([t.String({ minLength: 1, maxLength: 100 }), t.Null()])),
  },
  { additionalProperties: false },
);

export const setPlanBody = t.Object(
  { plan: t.Union([t.String({ minLength: 1, maxLength: 100 }), t.Null()]) },
  { additionalProperties: false },
);

export const setModelsBody = t.Object(
  {
    models: t.Union([t.Array(t.String({ minLength: 1, maxLength: 200 }), { maxItems: 200 }), t.Null()], {
      description: 'Model names (an empty list allows none); null lifts the narrowing',
    }),
  },
  { additionalProperties: false },
);

export const accountIdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) });

export const listQuery = t.Object({
  limit: pageLimitQuery,
  after: t.Optional(t.String({ minLength: 1, maxLength: 64, description: 'Return accounts whose id sorts after this one' })),
});

export function accountJson(account: Account) {
  return {
    id: account.id,
    object: 'account' as const,
    name: account.name,
    email: account.email,
    status: account.status,
    plan: account.plan,
    models: account.models,
    created_at: new Date(account.createdAtMs).toISOString(),
  };
}
