// The fake Stripe's payments: POST /v1/payment_intents (confirmed at creation, as off-session
// refills are) and POST /v1/refunds, with Stripe's validation and error shapes. Tests choose
// what the next PaymentIntents do (succeed, stay processing, decline, or need authentication)
// and build webhook events from the objects kept here.
import type Stripe from 'stripe';
import type { FormObject } from './form';
import { stripeId } from './objects';
import { chargeObject, paymentIntentObject, refundObject, type ChargeInput, type IntentInput } from './payment-objects';

export type IntentOutcome = 'succeeded' | 'processing' | 'card_declined' | 'authentication_required';

export interface FakePayments {
  intents: Map<string, ReturnType<typeof paymentIntentObject>>;
  refunds: Map<string, ReturnType<typeof refundObject>>;
  /** What the next PaymentIntent creations do, in order; 'succeeded' once the list is empty. */
  intentOutcomes: IntentOutcome[];
  /** A payment made elsewhere (a Checkout), succeeded, so that refunds of it can be made. */
  seedSucceededIntent(input: { amount: number; customer: string | null; metadata?: Record<string, string> }): ReturnType<typeof paymentIntentObject>;
  /** Ends a processing PaymentIntent (the bank answered late); answers it as the webhook carries it. */
  settleIntent(id: string, outcome: 'succeeded' | 'card_declined'): ReturnType<typeof paymentIntentObject>;
  /** The charge of a succeeded PaymentIntent, with its refunds, as charge.* events carry it. */
  chargeOf(paymentIntentId: string): Stripe.Charge;
  route(method: string, path: string, params: FormObject, now: number): [number, unknown] | null;
}

type ErrorBody = (type: string, message: string, param: string | null, code?: string) => unknown;

const DECLINES: Record<Exclude<IntentOutcome, 'succeeded' | 'processing'>, { code: string; message: string; declineCode?: string }> = {
  card_declined: { code: 'card_declined', message: 'Your card was declined.', declineCode: 'generic_decline' },
  authentication_required: { code: 'authentication_required', message: 'Your card was declined. This transaction requires authentication.', declineCode: 'authentication_required' },
};

export function createFakePayments(customers: ReadonlyMap<string, unknown>, errorBody: ErrorBody): FakePayments {
  const intents: FakePayments['intents'] = new Map();
  const charges = new Map<string, ChargeInput>();
  const refunds: FakePayments['refunds'] = new Map();
  const intentOutcomes: IntentOutcome[] = [];
  const text = (value: unknown) => (typeof value === 'string' ? value : null);

  const addCharge = (intent: IntentInput, now: number): string => {
    const id = stripeId('ch');
    charges.set(id, { id, created: now, amount: intent.amount, currency: intent.currency, customer: intent.customer, paymentIntent: intent.id, paymentMethod: intent.paymentMethod, refunds: [] });
    return id;
  };

  const makeIntent = (input: Omit<IntentInput, 'latestCharge' | 'lastError' | 'status'>, outcome: IntentOutcome, now: number) => {
    const decline = outcome === 'card_declined' || outcome === 'authentication_required' ? DECLINES[outcome] : null;
    const base: IntentInput = { ...input, status: outcome === 'succeeded' ? 'succeeded' : outcome === 'processing' ? 'processing' : 'requires_payment_method', latestCharge: null, lastError: decline };
    if (outcome === 'succeeded') base.latestCharge = addCharge(base, now);
    const intent = paymentIntentObject(base);
    intents.set(intent.id, intent);
    return { intent, decline };
  };

  const createIntent = (params: FormObject, now: number): [number, unknown] => {
    const amount = Number(text(params.amount));
    if (!Number.isSafeInteger(amount) || amount < 50) return [400, errorBody('invalid_request_error', 'Amount must be at least 50 cents.', 'amount', 'amount_too_small')];
    const currency = text(params.currency);
    if (!currency) return [400, errorBody('invalid_request_error', 'Missing required param: currency.', 'currency')];
    const customer = text(params.customer);
    if (customer !== null && !customers.has(customer)) return [400, errorBody('invalid_request_error', `No such customer: '${customer}'`, 'customer', 'resource_missing')];
    const paymentMethod = text(params.payment_method);
    if (text(params.confirm) !== 'true' || paymentMethod === null) return [400, errorBody('invalid_request_error', 'The fake confirms PaymentIntents at creation only: send confirm=true and a payment_method.', 'confirm')];
    const outcome = intentOutcomes.shift() ?? 'succeeded';
    const setup = text(params.setup_future_usage);
    const { intent, decline } = makeIntent(
      { id: stripeId('pi'), created: now, amount, currency, customer, paymentMethod, metadata: (params.metadata as Record<string, string>) ?? {}, setupFutureUsage: setup === 'off_session' || setup === 'on_session' ? setup : null },
      outcome,
      now,
    );
    if (!decline) return [200, intent];
    const body = errorBody('card_error', decline.message, null, decline.code) as { error: Record<string, unknown> };
    return [402, { error: { ...body.error, decline_code: decline.declineCode, payment_intent: intent } }];
  };

  const createRefund = (params: FormObject, now: number): [number, unknown] => {
    const intent = intents.get(text(params.payment_intent) ?? '');
    if (!intent) return [400, errorBody('invalid_request_error', `No such payment_intent: '${text(params.payment_intent)}'`, 'payment_intent', 'resource_missing')];
    const charge = intent.latest_charge ? charges.get(intent.latest_charge) : undefined;
    if (!charge) return [400, errorBody('invalid_request_error', `PaymentIntent ${intent.id} has no successful charge to refund.`, 'payment_intent', 'charge_not_refundable')];
    const refunded = charge.refunds.reduce((sum, refund) => sum + refund.amount, 0);
    const amount = params.amount === undefined ? charge.amount - refunded : Number(text(params.amount));
    if (!Number.isSafeInteger(amount) || amount <= 0) return [400, errorBody('invalid_request_error', 'Invalid positive integer', 'amount')];
    if (refunded + amount > charge.amount) {
      return [400, errorBody('invalid_request_error', `Refund amount ($${amount / 100}) is greater than unrefunded amount on charge ($${(charge.amount - refunded) / 100})`, 'amount', 'amount_too_large')];
    }
    const refund = refundObject({
      id: stripeId('re'),
      created: now,
      amount,
      currency: charge.currency,
      charge: charge.id,
      paymentIntent: intent.id,
      customer: charge.customer,
      paymentMethod: charge.paymentMethod,
      metadata: (params.metadata as Record<string, string>) ?? {},
      status: 'succeeded',
    });
    charge.refunds.push(refund);
    refunds.set(refund.id, refund);
    return [200, refund];
  };

  return {
    intents,
    refunds,
    intentOutcomes,
    seedSucceededIntent: ({ amount, customer, metadata }) => {
      const now = Math.floor(Date.now() / 1000);
      return makeIntent({ id: stripeId('pi'), created: now, amount, currency: 'usd', customer, paymentMethod: stripeId('pm'), metadata: metadata ?? {}, setupFutureUsage: 'off_session' }, 'succeeded', now).intent;
    },
    settleIntent: (id, outcome) => {
      const intent = intents.get(id);
      if (!intent || intent.status !== 'processing') throw new Error(`fake Stripe: payment intent ${id} is not processing`);
      const input: IntentInput = {
        id,
        created: intent.created,
        amount: intent.amount,
        currency: intent.currency,
        customer: intent.customer,
        paymentMethod: intent.payment_method,
        metadata: intent.metadata,
        setupFutureUsage: intent.setup_future_usage === 'off_session' || intent.setup_future_usage === 'on_session' ? intent.setup_future_usage : null,
        status: outcome === 'succeeded' ? 'succeeded' : 'requires_payment_method',
        latestCharge: null,
        lastError: outcome === 'succeeded' ? null : DECLINES.card_declined,
      };
      if (outcome === 'succeeded') input.latestCharge = addCharge(input, Math.floor(Date.now() / 1000));
      const settled = paymentIntentObject(input);
      intents.set(id, settled);
      return settled;
    },
    chargeOf: (paymentIntentId) => {
      const chargeId = intents.get(paymentIntentId)?.latest_charge;
      const charge = chargeId ? charges.get(chargeId) : undefined;
      if (!charge) throw new Error(`fake Stripe: payment intent ${paymentIntentId} has no charge`);
      return chargeObject(charge) as Stripe.Charge;
    },
    route: (method, path, params, now) => {
      if (method === 'POST' && path === '/v1/payment_intents') return createIntent(params, now);
      if (method === 'POST' && path === '/v1/refunds') return createRefund(params, now);
      return null;
    },
  };
}
