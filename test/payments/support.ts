// Shared by the payments tests: an app with Stripe configured against the fake, handlers that
// count their calls and can be made to fail, and readers of the inbox and of an account's plan.
import type { StripeEventHandlers } from '../../src/payments/event-types';
import { STRIPE_EVENT_HANDLERS } from '../../src/payments/handlers';
import { createTestApp, readJson, type TestApp } from '../support/app';
import { ADMIN_TOKEN } from '../support/env';
import { WEBHOOK_SECRET } from '../support/fake-stripe/webhooks';

export const PLANS = {
  basic: { requests_per_minute: 10, stripe_price: 'price_basic_monthly' },
  pro: { requests_per_minute: 100, stripe_price: 'price_pro_monthly' },
  internal: { requests_per_minute: 1000 },
};

/** Handlers that record each call's event id and fail on demand, around the real ones. */
export interface HandlerProbe {
  handlers: StripeEventHandlers;
  calls: string[];
  /** The next `times` attempts at this event throw before the real handler runs. */
  failNext: (eventId: string, times: number) => void;
}

export function probeHandlers(): HandlerProbe {
  const calls: string[] = [];
  const failures = new Map<string, number>();
  const handlers = Object.fromEntries(
    Object.entries(STRIPE_EVENT_HANDLERS).map(([type, handler]) => [
      type,
      async (...args: Parameters<typeof handler>) => {
        const event = args[1];
        calls.push(event.id);
        const left = failures.get(event.id) ?? 0;
        if (left > 0) {
          failures.set(event.id, left - 1);
          throw new Error(`injected failure of ${event.id}`);
        }
        await handler(...args);
      },
    ]),
  );
  return { handlers: Object.freeze(handlers), calls, failNext: (eventId, times) => failures.set(eventId, times) };
}

export async function createPaymentsApp(options: { raw?: Record<string, unknown>; env?: Record<string, string>; probe?: HandlerProbe } = {}): Promise<TestApp> {
  return createTestApp(
    { plans: PLANS, wallet: { trial_credits: 0 }, ...options.raw },
    { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, ...options.env },
    options.probe ? { stripeEventHandlers: options.probe.handlers } : {},
  );
}

export async function createAccount(testApp: TestApp, body: Record<string, unknown> = {}): Promise<string> {
  const response = await testApp.request('POST', '/admin/accounts', { body: { name: 'subscriber', email: 'owner@example.com', ...body }, token: ADMIN_TOKEN });
  if (response.status !== 201) throw new Error(`account creation failed: ${response.status} ${await response.text()}`);
  return (await readJson(response)).id;
}

export async function planOf(testApp: TestApp, accountId: string): Promise<string | null> {
  const response = await testApp.admin('GET', `/admin/accounts/${accountId}`);
  return (await readJson(response)).plan;
}

export async function inboxRows(testApp: TestApp, eventId?: string) {
  let query = testApp.context.db.selectFrom('stripe_events').selectAll().orderBy('received_at_ms').orderBy('id');
  if (eventId) query = query.where('id', '=', eventId);
  const rows = await query.execute();
  return rows.map((row) => ({ ...row, attempts: Number(row.attempts) }));
}

/** Waits for the drain each stored event starts. */
export const processed = (testApp: TestApp) => testApp.context.stripeEvents.whenIdle();
