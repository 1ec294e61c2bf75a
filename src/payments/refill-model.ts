// Wire shapes of /console/auto-refill: the body of PUT, and the settings with their state as
// GET and PUT answer them. Amounts are decimal strings of credits.
import { t } from 'elysia';
import { formatMicros } from '../shared/money';
import { formatCents } from './credit-price';
import type { RefillAttempt } from './refill-attempts';
import type { RefillSettings } from './refill-settings';

const credits = (description: string) => t.String({ maxLength: 24, description });
const creditsOut = (description: string) => t.String({ pattern: '^\\d+\\.\\d{6}$', description });
const nullable = <T extends ReturnType<typeof t.String>>(schema: T) => t.Union([schema, t.Null()]);

export const autoRefillBody = t.Object(
  {
    enabled: t.Boolean(),
    threshold: credits('Refill when a charge takes the balance below this many credits, e.g. "5"'),
    amount: credits('Credits each refill buys, e.g. "20" (at least min_custom_usd worth, whole cents)'),
  },
  { additionalProperties: false },
);

const attemptSchema = t.Object({
  id: t.String(),
  status: t.Union([t.Literal('pending'), t.Literal('processing'), t.Literal('succeeded'), t.Literal('failed')]),
  amount: creditsOut('Credits the refill buys'),
  amount_usd: t.String({ description: 'What it charges, in US dollars' }),
  payment_intent: nullable(t.String()),
  failure_code: nullable(t.String()),
  created_at: t.String({ format: 'date-time' }),
});

export const autoRefillSchema = t.Object({
  object: t.Literal('auto_refill'),
  enabled: t.Boolean(),
  threshold: creditsOut('Refill below this balance'),
  amount: creditsOut('Credits each refill buys'),
  payment_method: nullable(t.String({ description: 'The saved card refills are charged to (pm_…)' })),
  state: t.Union([t.Literal('off'), t.Literal('ready'), t.Literal('in_flight'), t.Literal('backing_off')]),
  consecutive_failures: t.Integer(),
  retry_after: nullable(t.String({ format: 'date-time', description: 'No refill before this moment (after a decline)' })),
  disabled_reason: t.Union([t.Literal('failures'), t.Literal('authentication_required'), t.Literal('dispute'), t.Null()]),
  action_required: t.Union([
    t.Object({
      type: t.Literal('authentication_required'),
      url: nullable(t.String({ description: 'A Stripe Checkout page that saves the card again; null until it is made (within a minute)' })),
      expires_at: nullable(t.String({ format: 'date-time' })),
    }),
    t.Null(),
  ]),
  last_attempt: t.Union([attemptSchema, t.Null()]),
});

export const cardPageSchema = t.Object({ url: t.String({ description: 'The Stripe Checkout page (setup mode) that saves a card' }), expires_at: t.String({ format: 'date-time' }) });

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function autoRefillJson(settings: RefillSettings, inFlight: RefillAttempt | null, latest: RefillAttempt | null, nowMs: number) {
  const backingOff = settings.retryAfterMs !== null && settings.retryAfterMs > nowMs;
  const state = !settings.enabled ? 'off' : inFlight ? 'in_flight' : backingOff ? 'backing_off' : 'ready';
  return {
    object: 'auto_refill' as const,
    enabled: settings.enabled,
    threshold: formatMicros(settings.thresholdMicros),
    amount: formatMicros(settings.amountMicros),
    payment_method: settings.paymentMethodId,
    state: state as 'off' | 'ready' | 'in_flight' | 'backing_off',
    consecutive_failures: settings.consecutiveFailures,
    retry_after: backingOff ? isoOrNull(settings.retryAfterMs) : null,
    disabled_reason: settings.disabledReason,
    action_required: settings.actionRequired ? { type: settings.actionRequired, url: settings.actionUrl, expires_at: isoOrNull(settings.actionUrlExpiresAtMs) } : null,
    last_attempt: latest ? attemptJson(latest) : null,
  };
}

function attemptJson(attempt: RefillAttempt) {
  return {
    id: attempt.id,
    status: attempt.status,
    amount: formatMicros(attempt.amountMicros),
    amount_usd: formatCents(attempt.amountMinor),
    payment_intent: attempt.paymentIntentId,
    failure_code: attempt.failureCode,
    created_at: new Date(attempt.createdAtMs).toISOString(),
  };
}
