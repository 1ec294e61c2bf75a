import { t } from 'elysia';
import { limitsToRecord, type LimitField } from './limits';
import type { ApiKey } from './service';

const nullableDate = t.Union([t.String({ format: 'date-time' }), t.Null()]);

// Each limit a whole number from 0 (0 refuses every request), or null for unlimited. A number
// with multipleOf 1, not t.Integer: Elysia's Integer also accepts a string of digits.
const limit = (description: string) =>
  t.Union([t.Number({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, multipleOf: 1, description }), t.Null()], {
    expected: `a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, or null`,
  });
const limitFields = {
  requests_per_minute: limit('Requests per calendar minute (UTC)'),
  tokens_per_minute: limit('Tokens per calendar minute (UTC)'),
  tokens_per_day: limit('Tokens per calendar day (UTC)'),
  tokens_per_month: limit('Tokens per calendar month (UTC)'),
  concurrent: limit('Requests in flight at once'),
} satisfies Record<LimitField, unknown>;

export const keyLimitsSchema = t.Union([t.Object(limitFields), t.Null()], {
  description: "The key's own limits, stricter than its plan's (a null field: unlimited); null when it has none and its plan alone bounds it.",
});

/**
 * PUT replaces a key's limits as a whole: a field left out (or null) is unlimited for the key,
 * so `{}` clears them. An object, not "object or null": a body that is a union would fail as a
 * whole, and the 400 could no longer name the field at fault.
 */
export const setKeyLimitsBody = t.Object(
  {
    requests_per_minute: t.Optional(limitFields.requests_per_minute),
    tokens_per_minute: t.Optional(limitFields.tokens_per_minute),
    tokens_per_day: t.Optional(limitFields.tokens_per_day),
    tokens_per_month: t.Optional(limitFields.tokens_per_month),
    concurrent: t.Optional(limitFields.concurrent),
  },
  { additionalProperties: false, description: 'Whole numbers from 0, each optional (left out or null: unlimited); {} clears. Only plan-billed keys take limits (400 for a credit-billed key).' },
);

export const apiKeySchema = t.Object({
  id: t.String(),
  object: t.Literal('api_key'),
  account_id: t.String(),
  name: t.Union([t.String(), t.Null()]),
  prefix: t.String({ description: 'The first characters of the key, to tell keys apart.' }),
  billing: t.Union([t.Literal('credits'), t.Literal('plan')]),
  models: t.Union([t.Array(t.String()), t.Null()]),
  expires_at: nullableDate,
  revoked_at: nullableDate,
  created_at: t.String({ format: 'date-time' }),
  limits: keyLimitsSchema,
  member_id: t.Union([t.String(), t.Null()], { description: 'The team member the key was issued to; null: the account\'s own key.' }),
});

export const createdApiKeySchema = t.Composite([
  apiKeySchema,
  t.Object({ key: t.String({ description: 'The secret key. Shown once; only its hash is stored.' }) }),
]);

export const createKeyBody = t.Object(
  {
    name: t.Optional(t.Union([t.String({ maxLength: 200 }), t.Null()])),
    billing: t.Union([t.Literal('credits'), t.Literal('plan')]),
    models: t.Optional(t.Union([t.Array(t.String({ minLength: 1, maxLength: 200 }), { maxItems: 200 }), t.Null()])),
    expires_at: t.Optional(t.Union([t.String({ format: 'date-time', description: 'When the key stops working; must be in the future' }), t.Null()])),
  },
  { additionalProperties: false },
);

export function apiKeyJson(key: ApiKey) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: key.id,
    object: 'api_key' as const,
    account_id: key.accountId,
    name: key.name,
    prefix: key.prefix,
    billing: key.billing,
    models: key.models,
    expires_at: iso(key.expiresAtMs),
    revoked_at: iso(key.revokedAtMs),
    created_at: new Date(key.createdAtMs).toISOString(),
    limits: key.limits === null ? null : limitsToRecord(key.limits),
    member_id: key.memberId,
  };
}
