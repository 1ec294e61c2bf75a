// The admin bearer check, as a plugin whose hooks are scoped to the routes instance that uses it.
// It runs at transform, before body validation, so a stranger learns nothing about the schema.
// It names the credential that matched (`adminName`) and records each write that succeeds in
// the admin audit log (src/audit-log).
import { Elysia } from 'elysia';
import { timingSafeEqual } from 'node:crypto';
import * as auditLog from '../audit-log/service';
import type { AppContext } from '../context';
import { ApiError } from '../errors';
import { bearerToken } from '../http/bearer';

export const ADMIN_SECURITY = [{ adminBearer: [] as string[] }];

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function adminAuth(context: Pick<AppContext, 'config' | 'db' | 'now'>) {
  const { config, db, now } = context;
  // Compare digests, not the strings: equal lengths for timingSafeEqual, and no early exit that
  // would leak how much of the token an attacker guessed right. Every credential is compared,
  // so the time taken does not say which one matched.
  const expected = config.adminTokens.map(({ name, token }) => ({ name, digest: digest(token) }));
  const seed = expected.map(({ name, digest }) => `${name}:${digest.toString('hex')}`).join(',');
  return new Elysia({ name: 'admin-auth', seed })
    .derive({ as: 'scoped' }, ({ headers }) => {
      if (expected.length === 0) {
        throw new ApiError(401, 'admin_disabled', 'The admin API is disabled: set INFERPORT_ADMIN_TOKEN or [admin] tokens.');
      }
      const token = bearerToken(headers.authorization);
      const given = digest(token ?? '');
      let adminName: string | null = null;
      for (const credential of expected) {
        if (timingSafeEqual(given, credential.digest) && token) adminName = credential.name;
      }
      if (!adminName) throw new ApiError(401, 'invalid_admin_token', 'Missing or incorrect admin token.');
      return { adminName };
    })
    // Before the response is sent: an admin never sees a write succeed that the log lacks.
    // Hooked here rather than inside each write's transaction so that every admin write, today's
    // and tomorrow's, is logged by one code path; a crash between the write and this insert
    // loses the row (the write itself is committed).
    .onAfterHandle({ as: 'scoped' }, async ({ adminName, request, route, path, params, body, set, response }) => {
      if (READ_METHODS.has(request.method)) return;
      const status = typeof set.status === 'number' ? set.status : 200;
      if (status >= 400) return;
      const routeParams = (params ?? {}) as Record<string, string>;
      const resultId = createdId(response);
      await auditLog.recordAdminAction(
        db,
        {
          adminName,
          method: request.method,
          route,
          path,
          targetId: routeParams.id ?? Object.values(routeParams)[0] ?? resultId,
          detail: { params: routeParams, body: body ?? null, result_id: resultId },
          status,
        },
        now(),
      );
    });
}

/** The id (a coupon: its code) of the object a write answered with. */
function createdId(response: unknown): string | null {
  if (typeof response !== 'object' || response === null) return null;
  const { id, code } = response as { id?: unknown; code?: unknown };
  return typeof id === 'string' ? id : typeof code === 'string' ? code : null;
}

function digest(text: string): Buffer {
  return Buffer.from(new Bun.CryptoHasher('sha256').update(text).digest());
}
