// GET /console/team/spend?days=7|14|30: the key's account's spend by member and by key.
import { Elysia, t } from 'elysia';
import type { AppContext } from '../context';
import { apiKeyAuth, API_KEY_SECURITY } from '../http/api-key-auth';
import { parseReportDays } from '../usage/report-window';
import { spendReportJson, spendReportSchema } from './model';
import { buildSpendReport } from './spend-report';

export function consoleTeamRoutes(context: AppContext) {
  const { db, now } = context;
  return new Elysia({ prefix: '/console' }).use(apiKeyAuth(context)).get(
    '/team/spend',
    async ({ apiKey, query }) => spendReportJson(await buildSpendReport(db, apiKey.accountId, parseReportDays(query.days), now())),
    {
      query: t.Object({ days: t.Optional(t.String({ description: '7, 14 or 30 (UTC days ending today); 7 when absent' })) }),
      response: spendReportSchema,
      detail: {
        summary: "The key's account's spend by team member and by key over the last 7, 14 or 30 UTC days (?days=, 7 when absent)",
        description: "Each member's and key's requests and charges in the window, today and this month, beside their spend caps. Read from a daily rollup kept with the charges. Any other days value is a 400 naming param days.",
        tags: ['console'],
        security: API_KEY_SECURITY,
      },
    },
  );
}
