// Wire shapes of /console/alerts: the body of PUT, the settings GET and PUT answer, and the
// history of recent alerts with their deliveries. Amounts are decimal strings of credits.
import { t } from 'elysia';
import { formatMicros } from '../shared/money';
import type { Delivery } from './outbox';
import type { Alert } from './service';
import type { AlertSettings } from './settings';

const creditsIn = (description: string) => t.Union([t.String({ maxLength: 24, description }), t.Null()]);
const creditsOut = (description: string) => t.Union([t.String({ pattern: '^\\d+\\.\\d{6}$', description }), t.Null()]);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const alertSettingsBody = t.Object(
  {
    webhook_url: t.Optional(t.Union([t.String({ maxLength: 2048, description: 'Where alerts are POSTed, signed the Standard Webhooks way (http or https); null: no webhook' }), t.Null()])),
    low_balance_threshold: t.Optional(creditsIn('Alert once when the balance falls below this many credits, e.g. "5"; null: off')),
    daily_summary: t.Optional(t.Boolean({ description: "The previous UTC day's spend, each day" })),
    weekly_summary: t.Optional(t.Boolean({ description: "The previous ISO week's spend, each Monday (UTC)" })),
    deployment_cost: t.Optional(creditsIn("Alert once per deployment when its billed hours reach this many credits; null: off")),
  },
  { additionalProperties: false },
);

export const alertSettingsSchema = t.Object({
  object: t.Literal('alert_settings'),
  webhook_url: t.Union([t.String(), t.Null()]),
  webhook_secret: t.Union([t.String({ description: 'The signing secret (whsec_…): verify webhook-signature with it' }), t.Null()]),
  low_balance_threshold: creditsOut('The low-balance threshold'),
  low_balance_state: t.Union([t.Literal('off'), t.Literal('armed'), t.Literal('fired')], { description: 'fired: alerted, and the balance has not been back above the threshold since' }),
  daily_summary: t.Boolean(),
  weekly_summary: t.Boolean(),
  deployment_cost: creditsOut('The deployment-cost amount'),
});

export function alertSettingsJson(settings: AlertSettings) {
  const state = settings.lowBalanceThresholdMicros === null ? 'off' : settings.lowBalanceArmed ? 'armed' : 'fired';
  return {
    object: 'alert_settings' as const,
    webhook_url: settings.webhookUrl,
    webhook_secret: settings.webhookSecret,
    low_balance_threshold: settings.lowBalanceThresholdMicros === null ? null : formatMicros(settings.lowBalanceThresholdMicros),
    low_balance_state: state as 'off' | 'armed' | 'fired',
    daily_summary: settings.dailySummary,
    weekly_summary: settings.weeklySummary,
    deployment_cost: settings.deploymentCostMicros === null ? null : formatMicros(settings.deploymentCostMicros),
  };
}

const deliverySchema = t.Object({
  id: t.String({ description: 'The webhook-id of every attempt' }),
  channel: t.Union([t.Literal('webhook'), t.Literal('email')]),
  target: t.String(),
  status: t.Union([t.Literal('pending'), t.Literal('delivered'), t.Literal('failed'), t.Literal('skipped')]),
  attempts: t.Integer(),
  next_attempt_at: t.Union([t.String({ format: 'date-time' }), t.Null()]),
  last_error: t.Union([t.String(), t.Null()]),
  delivered_at: t.Union([t.String({ format: 'date-time' }), t.Null()]),
});

export const alertHistorySchema = t.Object({
  object: t.Literal('list'),
  data: t.Array(
    t.Object({
      id: t.String(),
      kind: t.String(),
      message: t.String(),
      data: t.Record(t.String(), t.Union([t.String(), t.Number(), t.Boolean(), t.Null()])),
      created_at: t.String({ format: 'date-time' }),
      deliveries: t.Array(deliverySchema),
    }),
  ),
});

export const alertHistoryQuery = t.Object({ limit: t.Optional(t.String({ pattern: '^(?:[1-9]|[1-9][0-9]|100)$', expected: 'an integer from 1 to 100', description: 'How many, 1 to 100 (default 50)' })) });

export function alertHistoryJson(alerts: Alert[], deliveries: Delivery[]) {
  return {
    object: 'list' as const,
    data: alerts.map((alert) => ({
      id: alert.id,
      kind: alert.kind,
      message: alert.message,
      data: alert.data,
      created_at: new Date(alert.createdAtMs).toISOString(),
      deliveries: deliveries
        .filter((delivery) => delivery.alertId === alert.id)
        .map((delivery) => ({
          id: delivery.id,
          channel: delivery.channel,
          target: delivery.target,
          status: delivery.status,
          attempts: delivery.attempts,
          next_attempt_at: delivery.status === 'pending' ? iso(delivery.nextAttemptAtMs) : null,
          last_error: delivery.lastError,
          delivered_at: iso(delivery.deliveredAtMs),
        })),
    })),
  };
}
