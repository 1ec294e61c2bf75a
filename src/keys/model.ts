import { t } from 'elysia';
import type { ApiKey } from './service';

const nullableDate = t.Union([t.String({ format: 'date-time' }), t.Null()]);

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
  };
}
