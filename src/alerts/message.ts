// What a delivery carries: the webhook's JSON body (the Standard Webhooks envelope: type,
// timestamp, data) and the email's plain text. Both are made from the alert row alone, so every
// attempt of one delivery sends the same bytes.
import type { MailMessage } from '../mail/mailer';
import type { Alert } from './service';

export function webhookBody(alert: Alert): string {
  return JSON.stringify({
    type: `alert.${alert.kind}`,
    timestamp: new Date(alert.createdAtMs).toISOString(),
    data: { ...alert.data, id: alert.id, account_id: alert.accountId, kind: alert.kind, message: alert.message, created_at: new Date(alert.createdAtMs).toISOString() },
  });
}

const SUBJECTS: Partial<Record<Alert['kind'], string>> = {
  low_balance: 'Your credit balance is low',
  daily_summary: 'Your daily spend summary',
  weekly_summary: 'Your weekly spend summary',
  deployment_cost: 'A deployment passed its cost alert',
  deployment_paused: 'A deployment was paused',
  deployment_resumed: 'A deployment resumed',
};

export function alertEmail(alert: Alert, deliveryId: string, to: string, domain: string): MailMessage {
  const facts = Object.entries(alert.data).map(([key, value]) => `${key}: ${String(value)}`);
  const text = [alert.message, '', ...facts, '', `Account: ${alert.accountId}`, `Alert: ${alert.id}`, `Date: ${new Date(alert.createdAtMs).toISOString()}`, ''].join('\n');
  const subject = SUBJECTS[alert.kind] ?? `inferport alert: ${alert.kind.replaceAll('_', ' ')}`;
  return { to, subject, text, messageId: `<alert.${deliveryId}@${domain}>` };
}
