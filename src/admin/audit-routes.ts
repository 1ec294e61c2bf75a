// GET /admin/audit: the admin audit log (src/audit-log), newest first, paged like other lists.
import { Elysia, t } from 'elysia';
import * as auditLog from '../audit-log/service';
import type { AppContext } from '../context';
import { refuseHostileInput } from '../http/hostile-input';
import { pageLimitQuery, readPageLimit } from '../http/paging';
import { adminAuth, ADMIN_SECURITY } from './auth';

const entrySchema = t.Object({
  id: t.String(),
  object: t.Literal('admin_action'),
  admin: t.String({ description: 'The name of the admin credential that made the write' }),
  method: t.String(),
  route: t.String({ description: 'The route pattern, e.g. /admin/accounts/:id/credits' }),
  path: t.String(),
  target_id: t.Union([t.String(), t.Null()]),
  detail: t.Record(t.String(), t.Unknown()),
  status: t.Integer(),
  created_at: t.String({ format: 'date-time' }),
});

const auditQuery = t.Object({
  limit: pageLimitQuery,
  before: t.Optional(t.String({ minLength: 1, maxLength: 64, description: 'Return entries older than this one (the last id of the previous page)' })),
  admin: t.Optional(t.String({ minLength: 1, maxLength: 64, description: 'Only the writes of this admin credential' })),
});

export function adminAuditRoutes(context: AppContext) {
  const { db } = context;
  return new Elysia({ prefix: '/admin/audit' }).use(adminAuth(context)).use(refuseHostileInput()).get(
    '',
    async ({ query }) => {
      const rows = await auditLog.listAdminActions(db, { limit: readPageLimit(query.limit), before: query.before ?? null, adminName: query.admin ?? null });
      return {
        object: 'list' as const,
        data: rows.map((row) => ({
          id: row.id,
          object: 'admin_action' as const,
          admin: row.adminName,
          method: row.method,
          route: row.route,
          path: row.path,
          target_id: row.targetId,
          detail: row.detail,
          status: row.status,
          created_at: new Date(row.createdAtMs).toISOString(),
        })),
      };
    },
    {
      query: auditQuery,
      response: t.Object({ object: t.Literal('list'), data: t.Array(entrySchema) }),
      detail: { summary: 'The admin audit log: every admin write, by which admin credential, newest first', tags: ['admin: audit'], security: ADMIN_SECURITY },
    },
  );
}
