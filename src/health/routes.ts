// Liveness and readiness for load balancers and systemd.
import { Elysia, t } from 'elysia';
import { sql } from 'kysely';
import type { AppContext } from '../context';
import { isFullyMigrated } from '../db/migrate';
import { ApiError } from '../errors';
import { upstreamReport, upstreamReportSchema } from '../upstreams/readiness';

export function healthRoutes(context: AppContext) {
  return new Elysia({ detail: { tags: ['health'] } })
    .get('/healthz', () => ({ status: 'ok' as const }), {
      response: t.Object({ status: t.Literal('ok') }),
      detail: { summary: 'The process is up' },
    })
    .get(
      '/readyz',
      async ({ set }) => {
        try {
          await sql`SELECT 1`.execute(context.db);
        } catch {
          throw new ApiError(503, 'service_unavailable', 'The database is not reachable.');
        }
        if (!(await isFullyMigrated(context.handle))) {
          throw new ApiError(503, 'service_unavailable', 'Migrations are not fully applied.');
        }
        // Ready also needs an upstream up for every configured model (src/upstreams/readiness.ts);
        // when one has none the answer is 503 with the same report, saying which are down.
        const { report, everyModelServed } = upstreamReport(context.config, context.upstreamHealth);
        if (!everyModelServed) set.status = 503;
        return { status: everyModelServed ? ('ready' as const) : ('not_ready' as const), database: context.handle.kind, ...report };
      },
      {
        response: t.Composite([t.Object({ status: t.Union([t.Literal('ready'), t.Literal('not_ready')]), database: t.String() }), upstreamReportSchema]),
        detail: { summary: 'The database is reachable and migrated, and every configured model has an upstream up (each upstream\'s probe and breaker listed)' },
      },
    );
}
