// API-key authentication for /v1 and /console, as one plugin: a route registered after
// `.use(apiKeyAuth(context))` receives the request's key as `apiKey`, or never runs.
//
// It is a `derive`, not a `resolve` or a macro's resolve, because derive runs at Elysia's
// transform step, before body and query validation: a stranger gets 401 for any body and
// learns nothing about the schema (the same order as the admin check in admin/auth.ts).
// Scoped, so the key reaches the routes of the instance that uses the plugin and no others.
//
// An address that keeps presenting bad keys is blocked for a while ([abuse]): refused with 429
// before its key is looked up, so a flood of guesses costs no database query. A request with no
// socket (app.handle in-process) has no address and is never counted.
import type { Server } from 'bun';
import { Elysia } from 'elysia';
import type { AuthFailureTracker } from '../abuse/auth-failures';
import type { AppContext } from '../context';
import { ApiError } from '../errors';
import { authenticateKey, type AuthenticatedKey } from '../keys/auth';
import { blockKey } from '../shared/ip';
import { bearerToken } from './bearer';
import { clientAddress } from './client-address';

/** The OpenAPI security requirement of a route behind this plugin. */
export const API_KEY_SECURITY = [{ apiKeyBearer: [] as string[] }];

export function apiKeyAuth(context: Pick<AppContext, 'db' | 'keyCache' | 'now' | 'authFailures' | 'config'>) {
  const { db, keyCache, now, authFailures } = context;
  const { trustedProxies } = context.config.server;
  const addressOf = (server: Server<unknown> | null, request: Request) => {
    if (!authFailures.enabled) return null;
    const address = clientAddress(server?.requestIP(request)?.address ?? null, request.headers.get('x-forwarded-for'), trustedProxies);
    return address ? blockKey(address) : null;
  };
  // No `name`: each routes instance gets its own copy (Elysia would deduplicate a named one).
  return new Elysia().derive({ as: 'scoped' }, async ({ headers, request, server, set }): Promise<{ apiKey: AuthenticatedKey }> => {
    const nowMs = now();
    // Worked out (parsing the peer and X-Forwarded-For) only when it can matter: while some
    // address is blocked, or once authentication failed. A good request pays nothing for it.
    let address = authFailures.anyBlocked ? addressOf(server, request) : null;
    if (address !== null) {
      const blockedMs = authFailures.blockedForMs(address, nowMs);
      if (blockedMs > 0) {
        const seconds = Math.ceil(blockedMs / 1000);
        set.headers['retry-after'] = String(seconds);
        throw new ApiError(429, 'too_many_auth_failures', `Too many failed authentications from this address; try again in ${seconds} s.`);
      }
    }
    try {
      return { apiKey: await authenticateKey(db, keyCache, headers.authorization, nowMs) };
    } catch (error) {
      address ??= addressOf(server, request);
      if (address !== null) countFailure(authFailures, address, nowMs, error, headers.authorization);
      throw error;
    }
  });
}

/**
 * A failure is a key that was presented and refused (unknown, revoked or expired). A request
 * with no key at all is a misconfigured client, not a guess; a suspended account's key is a
 * good key, refused for another reason.
 */
function countFailure(tracker: AuthFailureTracker, address: string, nowMs: number, error: unknown, authorization: string | undefined): void {
  if (error instanceof ApiError && error.status === 401 && bearerToken(authorization) !== null) tracker.recordFailure(address, nowMs);
}
