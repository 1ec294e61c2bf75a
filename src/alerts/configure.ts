// PUT /console/alerts: the owner's alert settings, checked and stored. A field left out keeps
// its value; null turns that alert off. The webhook's signing secret is made the first time a
// URL is set and kept afterwards, so a receiver's copy stays valid when the URL changes. A new
// low-balance threshold starts armed: if the balance is already below it, it fires at once.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { badRequest } from '../errors';
import { BALANCE_MICROS_MAX } from '../ledger/model';
import { formatMicros, parseCreditsToMicros } from '../shared/money';
import { getAlertSettings, saveAlertSettings, type AlertSettings } from './settings';
import { newWebhookSecret } from './signature';
import { isRefusedAddress, literalAddress } from './target';

export interface AlertSettingsInput {
  webhook_url?: string | null;
  low_balance_threshold?: string | null;
  daily_summary?: boolean;
  weekly_summary?: boolean;
  deployment_cost?: string | null;
}

export async function configureAlerts(db: Kysely<Database>, allowPrivateTargets: boolean, accountId: string, input: AlertSettingsInput, nowMs: number): Promise<AlertSettings> {
  // Every field is checked before anything is written: a bad one changes nothing.
  const webhookUrl = input.webhook_url === undefined ? undefined : readWebhookUrl(input.webhook_url, allowPrivateTargets);
  const threshold = input.low_balance_threshold === undefined ? undefined : readAmount(input.low_balance_threshold, 'low_balance_threshold', 0n);
  const deploymentCost = input.deployment_cost === undefined ? undefined : readAmount(input.deployment_cost, 'deployment_cost', 1n);
  const current = await getAlertSettings(db, accountId);
  const next: AlertSettings = { ...current };
  if (webhookUrl !== undefined) next.webhookUrl = webhookUrl;
  if (next.webhookUrl !== null && next.webhookSecret === null) next.webhookSecret = newWebhookSecret();
  if (threshold !== undefined && threshold !== current.lowBalanceThresholdMicros) Object.assign(next, { lowBalanceThresholdMicros: threshold, lowBalanceArmed: true });
  if (deploymentCost !== undefined) next.deploymentCostMicros = deploymentCost;
  if (input.daily_summary !== undefined) next.dailySummary = input.daily_summary;
  if (input.weekly_summary !== undefined) next.weeklySummary = input.weekly_summary;
  await saveAlertSettings(db, next, nowMs);
  return next;
}

function readWebhookUrl(text: string | null, allowPrivateTargets: boolean): string | null {
  if (text === null) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badRequest('webhook_url must be an absolute http(s) URL', 'webhook_url');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') throw badRequest('webhook_url must be an http(s) URL', 'webhook_url');
  const literal = literalAddress(url);
  if (!allowPrivateTargets && literal !== null && isRefusedAddress(literal)) {
    throw badRequest('webhook_url must not point to a loopback, link-local or private address', 'webhook_url');
  }
  return url.href;
}

function readAmount(text: string | null, param: string, minMicros: bigint): bigint | null {
  if (text === null) return null;
  const micros = parseCreditsToMicros(text);
  if (micros === null || micros < minMicros || micros > BALANCE_MICROS_MAX) {
    throw badRequest(`${param} must be null or a decimal string of credits from ${formatMicros(minMicros)} to ${formatMicros(BALANCE_MICROS_MAX)}, with at most 6 decimals`, param);
  }
  return micros;
}
