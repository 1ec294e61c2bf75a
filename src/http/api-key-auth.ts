// API-key authentication for /v1 and /console, as one plugin: a route registered after
// `.use(apiKeyAuth(context))` receives the request's key as `apiKey`, or never runs.
//
// It is a `derive`, not a `resolve` or a macro's resolve, because derive runs at Elysia's
// transform step, before body and query validation: a stranger gets 401 for any body and
// learns nothing about the schema (the same order as the admin check in admin/auth.ts).
// Scoped, so the key reaches the routes of the instance that uses the plugin and no others.
import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { authenticateKey, type AuthenticatedKey } from '../keys/auth';

/** The OpenAPI security requirement of a route behind this plugin. */
export const API_KEY_SECURITY = [{ apiKeyBearer: [] as string[] }];

export function apiKeyAuth(context: Pick<AppContext, 'db' | 'keyCache' | 'now'>) {
  const { db, keyCache, now } = context;
  // No `name`: each routes instance gets its own copy (Elysia would deduplicate a named one).
  return new Elysia().derive({ as: 'scoped' }, async ({ headers }): Promise<{ apiKey: AuthenticatedKey }> => ({
    apiKey: await authenticateKey(db, keyCache, headers.authorization, now()),
  }));
}
