import { t } from 'elysia';
import type { Account } from './service';

export const accountSchema = t.Object({
  id: t.String(),
  object: t.Literal('account'),
  name: t.String(),
  email: t.Union([t.String(), t.Null()]),
  status: t.Union([t.Literal('active'), t.Literal('suspended'), t.Literal('closed')]),
  plan: t.Union([t.String(), t.Null()]),
  created_at: t.String({ format: 'date-time' }),
});

export const createAccountBody = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 200 }),
    email: t.Optional(t.Union([t.String({ format: 'email', maxLength: 320 }), t.Null()])),
    plan: t.Optional(t.Union([t.String({ minLength: 1, maxLength: 100 }), t.Null()])),
  },
  { additionalProperties: false },
);

export const setPlanBody = t.Object(
  { plan: t.Union([t.String({ minLength: 1, maxLength: 100 }), t.Null()]) },
  { additionalProperties: false },
);

export const accountIdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) });

export const listQuery = t.Object({
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 500 })),
  after: t.Optional(t.String({ maxLength: 64 })),
});

export function accountJson(account: Account) {
  return {
    id: account.id,
    object: 'account' as const,
    name: account.name,
    email: account.email,
    status: account.status,
    plan: account.plan,
    created_at: new Date(account.createdAtMs).toISOString(),
  };
}
