// Stripe API objects as the fake Stripe answers them and as test events carry them, shaped by
// stripe-node's own types (`satisfies Stripe.X`): a field the real API has and these lack, or a
// field of the wrong type, fails the type check.
import type Stripe from 'stripe';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An id of Stripe's form: a prefix and 24 random letters and digits (evt_1Nq…, cus_Oa…). */
export function stripeId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `${prefix}_${[...bytes].map((byte) => ALPHABET[byte % ALPHABET.length]).join('')}`;
}

export function customerObject(input: { id: string; created: number; name: string | null; email: string | null; metadata: Record<string, string> }) {
  return {
    id: input.id,
    object: 'customer',
    address: null,
    balance: 0,
    created: input.created,
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: input.email,
    invoice_prefix: input.id.slice(4, 12).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: input.metadata,
    name: input.name,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  } satisfies Stripe.Customer;
}

export interface SessionInput {
  id: string;
  created: number;
  mode: Stripe.Checkout.Session.Mode;
  customer: string | null;
  clientReferenceId: string | null;
  metadata: Record<string, string>;
  successUrl: string | null;
  cancelUrl: string | null;
  /** Payment mode: the sum of the line items, in cents; null in the other modes. */
  amountTotal: number | null;
  currency: string | null;
  status: Stripe.Checkout.Session.Status;
  paymentStatus: Stripe.Checkout.Session.PaymentStatus;
  /** Payment mode: the PaymentIntent, created when the customer pays. */
  paymentIntent: string | null;
}

export function checkoutSessionObject(input: SessionInput) {
  return {
    id: input.id,
    object: 'checkout.session',
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: input.amountTotal,
    amount_total: input.amountTotal,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: input.cancelUrl,
    client_reference_id: input.clientReferenceId,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: input.created,
    currency: input.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: input.customer,
    customer_account: null,
    customer_creation: input.customer === null ? 'always' : null,
    customer_details: null,
    customer_email: null,
    discounts: [],
    expires_at: input.created + 86_400,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: input.metadata,
    mode: input.mode,
    origin_context: null,
    payment_intent: input.paymentIntent,
    payment_link: null,
    payment_method_collection: input.mode === 'subscription' ? 'always' : null,
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: ['card'],
    payment_status: input.paymentStatus,
    permissions: null,
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: input.status,
    submit_type: null,
    subscription: null,
    success_url: input.successUrl,
    total_details: null,
    ui_mode: 'hosted_page',
    url: `https://checkout.stripe.com/c/pay/${input.id}`,
    wallet_options: null,
  } satisfies Stripe.Checkout.Session;
}

function priceObject(id: string, created: number) {
  return {
    id,
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created,
    currency: 'usd',
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: `prod_${id.slice(6, 20)}`,
    recurring: { interval: 'month', interval_count: 1, meter: null, trial_period_days: null, usage_type: 'licensed' },
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'recurring',
    unit_amount: 2000,
    unit_amount_decimal: null,
  } satisfies Stripe.Price;
}

function planObject(priceId: string, created: number) {
  return {
    id: priceId,
    object: 'plan',
    active: true,
    amount: 2000,
    amount_decimal: null,
    billing_scheme: 'per_unit',
    created,
    currency: 'usd',
    interval: 'month',
    interval_count: 1,
    livemode: false,
    metadata: {},
    meter: null,
    nickname: null,
    product: `prod_${priceId.slice(6, 20)}`,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  } satisfies Stripe.Plan;
}

export interface SubscriptionInput {
  id: string;
  customer: string;
  status: Stripe.Subscription.Status;
  priceId: string;
  /** The subscription's own creation time, in seconds. */
  created: number;
  metadata: Record<string, string>;
}

export function subscriptionObject(input: SubscriptionInput) {
  const periodEnd = input.created + 30 * 86_400;
  const ended = input.status === 'canceled' || input.status === 'incomplete_expired';
  const item = {
    id: `si_${input.id.slice(4, 18)}`,
    object: 'subscription_item',
    billing_thresholds: null,
    created: input.created,
    current_period_end: periodEnd,
    current_period_start: input.created,
    current_trial: null,
    discounts: [],
    metadata: {},
    plan: planObject(input.priceId, input.created),
    price: priceObject(input.priceId, input.created),
    quantity: 1,
    subscription: input.id,
    tax_rates: [],
  } satisfies Stripe.SubscriptionItem;
  return {
    id: input.id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: input.created,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: 'classic' },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: ended ? input.created : null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: ended ? 'cancellation_requested' : null },
    collection_method: 'charge_automatically',
    created: input.created,
    currency: 'usd',
    customer: input.customer,
    customer_account: null,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: ended ? input.created : null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: { object: 'list', data: [item], has_more: false, url: `/v1/subscription_items?subscription=${input.id}` },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: input.created,
    status: input.status,
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' } },
    trial_start: null,
  } satisfies Stripe.Subscription;
}

/** An event around `object`, as Stripe delivers it to a webhook endpoint. */
export function eventObject(input: { id: string; type: Stripe.Event.Type | (string & {}); created: number; object: object }) {
  return {
    id: input.id,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: input.created,
    data: { object: input.object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: input.type,
  };
}
