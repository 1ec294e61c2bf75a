// Liveness and readiness for load balancers and systemd.
import { Elysia, t } from 'elysia';
import { sql } from 'kysely';
import type { AppContext } from '../context';
import { isFullyMigrated } from '../db/migrate';
import { ApiError } from '../errors';

export function healthRoutes(context: AppContext) {
  return new Elysia({ detail: { tags: ['health'] } })
    .get('/healthz', () => ({ status: 'ok' as const }), {
      response: t.Object({ status: t.Literal('ok') }),
      detail: { summary: 'The process is up' },
    })
    .get(
      '/readyz',
      async () => {
        try {
          await sql`SELECT 1`.execute(context.db);
        } catch {
          throw new ApiError(503, 'service_unavailable', 'The database is not reachable.');
        }
        if (!(await isFullyMigrated(context.handle))) {
          throw new ApiError(503, 'service_unavailable', 'Migrations are not fully applied.');
        }
        return { status: 'ready' as const, database: context.handle.kind };
      },
      {
        response: t.Object({ status: t.Literal('ready'), database: t.String() }),
        detail: { summary: 'The database is reachable and migrated' },
      },
    );
}
