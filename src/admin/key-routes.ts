// Admin routes for API keys: create (the key is answered once), list, revoke, set limits.
import { Elysia, t } from 'elysia';
import * as accounts from '../accounts/service';
import type { AppContext } from '../context';
import { refuseHostileInput } from '../http/hostile-input';
import * as keys from '../keys/service';
import { limitsFromRecord } from '../keys/limits';
import { apiKeyJson, apiKeySchema, createdApiKeySchema, createKeyBody, setKeyLimitsBody } from '../keys/model';
import { adminAuth, ADMIN_SECURITY } from './auth';

const detail = (summary: string) => ({ summary, tags: ['admin: keys'], security: ADMIN_SECURITY });
const idParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) });

export function keyRoutes(context: AppContext) {
  const { db, config, keyCache, now } = context;
  return new Elysia({ prefix: '/admin' })
    .use(adminAuth(context))
    .use(refuseHostileInput())
    .post(
      '/accounts/:id/keys',
      async ({ params, body, set }) => {
        accounts.assertNotClosed(await accounts.getAccount(db, params.id));
        const expiresAtMs = body.expires_at ? Date.parse(body.expires_at) : null;
        const created = await keys.createKey(
          db,
          params.id,
          { name: body.name ?? null, billing: body.billing, models: body.models ?? null, expiresAtMs },
          now(),
        );
        set.status = 201;
        return { ...apiKeyJson(created.apiKey), key: created.key };
      },
      { params: idParams, body: createKeyBody, response: { 201: createdApiKeySchema }, detail: detail('Create an API key (409 when the account is closed)') },
    )
    .get(
      '/accounts/:id/keys',
      async ({ params }) => {
        await accounts.getAccount(db, params.id);
        return { object: 'list' as const, data: (await keys.listKeys(db, params.id)).map(apiKeyJson) };
      },
      { params: idParams, response: t.Object({ object: t.Literal('list'), data: t.Array(apiKeySchema) }), detail: detail("List an account's keys") },
    )
    .delete(
      '/keys/:id',
      async ({ params }) => {
        const key = await keys.revokeKey(db, params.id, now());
        keyCache.clear();
        return apiKeyJson(key);
      },
      { params: idParams, response: apiKeySchema, detail: detail('Revoke an API key') },
    )
    .put(
      '/keys/:id/limits',
      async ({ params, body }) => {
        const key = await keys.setKeyLimits(db, params.id, limitsFromRecord(body));
        keyCache.clear();
        return apiKeyJson(key);
      },
      {
        params: idParams,
        body: setKeyLimitsBody,
        response: apiKeySchema,
        detail: detail(
          "Replace a plan-billed key's own limits, applied with its plan's (the stricter wins); a field left out is unlimited, so {} clears them. 400 for a credit-billed key, which its wallet bounds. Other replicas apply it within cache.key_ttl_ms.",
        ),
      },
    );
}
