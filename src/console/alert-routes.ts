// /console/alerts: the owner's alert settings (webhook, low balance, summaries, deployment
// cost) and the account's recent alerts with how each was delivered. Alerts themselves are
// raised and delivered in the background (src/alerts), never on a request's path.
import { Elysia } from 'elysia';
import { configureAlerts } from '../alerts/configure';
import { alertHistoryJson, alertHistoryQuery, alertHistorySchema, alertSettingsBody, alertSettingsJson, alertSettingsSchema } from '../alerts/model';
import { listDeliveriesOf } from '../alerts/outbox';
import { listRecentAlerts } from '../alerts/service';
import { getAlertSettings } from '../alerts/settings';
import type { AppContext } from '../context';
import { apiKeyAuth, API_KEY_SECURITY } from '../http/api-key-auth';
import { refuseHostileInput } from '../http/hostile-input';

const HISTORY_DEFAULT = 50;

export function consoleAlertRoutes(context: AppContext) {
  const { db, config, now, alertWatcher } = context;
  const detail = (summary: string) => ({ summary, tags: ['console'], security: API_KEY_SECURITY });
  return new Elysia({ prefix: '/console' })
    .use(apiKeyAuth(context))
    .use(refuseHostileInput())
    .get('/alerts', async ({ apiKey }) => alertSettingsJson(await getAlertSettings(db, apiKey.accountId)), {
      response: alertSettingsSchema,
      detail: detail("The key's account's alert settings, with the webhook's signing secret"),
    })
    .put(
      '/alerts',
      async ({ apiKey, body }) => {
        const settings = await configureAlerts(db, config.alerts.allowPrivateTargets, apiKey.accountId, body, now());
        // A balance already below a new threshold alerts now, in the background.
        alertWatcher.noteSettings(apiKey.accountId, settings.lowBalanceThresholdMicros !== null || settings.deploymentCostMicros !== null);
        return alertSettingsJson(settings);
      },
      {
        body: alertSettingsBody,
        response: alertSettingsSchema,
        detail: detail('Set alerts: a webhook URL, a low-balance threshold, daily and weekly spend summaries, a deployment-cost amount (a field left out keeps its value; null turns it off)'),
      },
    )
    .get(
      '/alerts/history',
      async ({ apiKey, query }) => {
        const alerts = await listRecentAlerts(db, apiKey.accountId, query.limit === undefined ? HISTORY_DEFAULT : Number(query.limit));
        return alertHistoryJson(alerts, await listDeliveriesOf(db, alerts.map((alert) => alert.id)));
      },
      { query: alertHistoryQuery, response: alertHistorySchema, detail: detail("The account's recent alerts, newest first, with their deliveries") },
    );
}
