// Stripe's payment objects as the fake answers them and test events carry them: PaymentIntents,
// their charges, refunds, disputes and SetupIntents, shaped by stripe-node's types
// (`satisfies Stripe.X`), like objects.ts.
import type Stripe from 'stripe';

export interface IntentInput {
  id: string;
  created: number;
  amount: number;
  currency: string;
  customer: string | null;
  paymentMethod: string | null;
  status: Stripe.PaymentIntent.Status;
  metadata: Record<string, string>;
  setupFutureUsage: 'off_session' | 'on_session' | null;
  latestCharge: string | null;
  lastError: { code: string; message: string; declineCode?: string } | null;
}

export function paymentIntentObject(input: IntentInput) {
  const succeeded = input.status === 'succeeded';
  return {
    id: input.id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: input.amount,
    amount_capturable: 0,
    amount_received: succeeded ? input.amount : 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: `${input.id}_secret_fake`,
    confirmation_method: 'automatic',
    created: input.created,
    currency: input.currency,
    customer: input.customer,
    customer_account: null,
    description: null,
    excluded_payment_method_types: null,
    last_payment_error: input.lastError
      ? { type: 'card_error', code: input.lastError.code as Stripe.PaymentIntent.LastPaymentError.Code, message: input.lastError.message, ...(input.lastError.declineCode ? { decline_code: input.lastError.declineCode } : {}) }
      : null,
    latest_charge: input.latestCharge,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: input.paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: input.setupFutureUsage,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: input.status,
    transfer_group: null,
  } satisfies Stripe.PaymentIntent;
}

export interface RefundInput {
  id: string;
  created: number;
  amount: number;
  currency: string;
  charge: string;
  paymentIntent: string;
  customer: string | null;
  paymentMethod: string | null;
  metadata: Record<string, string>;
  status: 'succeeded' | 'pending' | 'failed';
}

export function refundObject(input: RefundInput) {
  return {
    id: input.id,
    object: 'refund',
    amount: input.amount,
    balance_transaction: null,
    charge: input.charge,
    created: input.created,
    currency: input.currency,
    customer: input.customer,
    customer_account: null,
    metadata: input.metadata,
    payment_intent: input.paymentIntent,
    payment_method: input.paymentMethod,
    reason: 'requested_by_customer',
    receipt_number: null,
    source_transfer_reversal: null,
    status: input.status,
    transfer_reversal: null,
  } satisfies Stripe.Refund;
}

export interface ChargeInput {
  id: string;
  created: number;
  amount: number;
  currency: string;
  customer: string | null;
  paymentIntent: string;
  paymentMethod: string | null;
  refunds: ReturnType<typeof refundObject>[];
}

export function chargeObject(input: ChargeInput) {
  const amountRefunded = input.refunds.filter((refund) => refund.status !== 'failed').reduce((sum, refund) => sum + refund.amount, 0);
  return {
    id: input.id,
    object: 'charge',
    amount: input.amount,
    amount_captured: input.amount,
    amount_refunded: amountRefunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: 'INFERPORT',
    captured: true,
    created: input.created,
    currency: input.currency,
    customer: input.customer,
    description: null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: null,
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: null,
    paid: true,
    payment_intent: input.paymentIntent,
    payment_method: input.paymentMethod,
    payment_method_details: null,
    presentment_details: undefined,
    radar_options: undefined,
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: amountRefunded === input.amount,
    refunds: { object: 'list', data: input.refunds, has_more: false, url: `/v1/charges/${input.id}/refunds` },
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null,
  } satisfies Stripe.Charge;
}

export interface DisputeInput {
  id: string;
  created: number;
  amount: number;
  currency: string;
  charge: string;
  paymentIntent: string | null;
  status: Stripe.Dispute.Status;
}

export function disputeObject(input: DisputeInput) {
  return {
    id: input.id,
    object: 'dispute',
    amount: input.amount,
    balance_transactions: [],
    charge: input.charge,
    created: input.created,
    currency: input.currency,
    enhanced_eligibility_types: [],
    intended_submission_method: null,
    evidence: {} as Stripe.Dispute.Evidence,
    evidence_details: { due_by: input.created + 7 * 86_400, enhanced_eligibility: {}, has_evidence: false, past_due: false, submission_count: 0, submission_method: 'not_submitted' },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: input.paymentIntent,
    reason: 'fraudulent',
    status: input.status,
  } satisfies Stripe.Dispute;
}

export interface SetupIntentInput {
  id: string;
  created: number;
  customer: string;
  paymentMethod: string;
  metadata: Record<string, string>;
}

export function setupIntentObject(input: SetupIntentInput) {
  return {
    id: input.id,
    object: 'setup_intent',
    allowed_payment_method_types: null,
    application: null,
    automatic_payment_methods: null,
    cancellation_reason: null,
    client_secret: `${input.id}_secret_fake`,
    created: input.created,
    customer: input.customer,
    customer_account: null,
    description: null,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: input.paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: ['card'],
    single_use_mandate: null,
    status: 'succeeded',
    usage: 'off_session',
  } satisfies Stripe.SetupIntent;
}
