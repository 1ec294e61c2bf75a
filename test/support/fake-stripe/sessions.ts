// The fake Stripe's Checkout Sessions: created as Stripe checks them (modes, customers, prices
// or price_data, the $0.50 minimum of a payment), and completed by the test as a customer
// would: paid by card at once, or left unpaid by an asynchronous method until it settles.
import type Stripe from 'stripe';
import { checkoutSessionObject, stripeId, type SessionInput } from './objects';
import type { FormObject } from './form';

export type Session = ReturnType<typeof checkoutSessionObject>;
/** An HTTP status and the JSON Stripe would answer. */
export type Answer = [number, unknown];

export function errorBody(type: string, message: string, param: string | null, code?: string) {
  return { error: { type, message, ...(param ? { param } : {}), ...(code ? { code } : {}), request_log_url: null } };
}

const invalid = (message: string, param: string | null, code?: string): Answer => [400, errorBody('invalid_request_error', message, param, code)];
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
/** The unit amount of the fake's prices (objects.ts). */
const PRICE_UNIT_AMOUNT = 2000;

export class FakeSessions {
  readonly objects = new Map<string, Session>();
  private readonly inputs = new Map<string, SessionInput>();

  constructor(
    private readonly customers: ReadonlyMap<string, unknown>,
    private readonly prices: ReadonlySet<string>,
  ) {}

  create(params: FormObject, now: number): Answer {
    const mode = text(params.mode);
    if (mode !== 'payment' && mode !== 'subscription' && mode !== 'setup') return invalid('Missing required param: mode.', 'mode');
    const customer = text(params.customer);
    if (customer !== null && !this.customers.has(customer)) return invalid(`No such customer: '${customer}'`, 'customer', 'resource_missing');
    if (params.payment_intent_data !== undefined && mode !== 'payment') return invalid(`You can not pass \`payment_intent_data\` in \`${mode}\` mode.`, 'payment_intent_data');
    const usage = text((params.payment_intent_data as FormObject | undefined)?.setup_future_usage);
    if (usage !== null && usage !== 'on_session' && usage !== 'off_session') return invalid(`Invalid setup_future_usage: ${usage}`, 'payment_intent_data[setup_future_usage]');
    const items = Array.isArray(params.line_items) ? (params.line_items as FormObject[]) : [];
    if (mode !== 'setup' && items.length === 0) return invalid('Missing required param: line_items.', 'line_items');
    let total = 0;
    for (const [index, item] of items.entries()) {
      const amount = this.itemAmount(item, index);
      if (typeof amount !== 'number') return amount;
      total += amount;
    }
    if (mode === 'payment' && total < 50) return invalid("The Checkout Session's total amount due must add up to at least $0.50 usd", null, 'amount_too_small');
    const input: SessionInput = {
      id: stripeId('cs_test'),
      created: now,
      mode,
      customer,
      clientReferenceId: text(params.client_reference_id),
      metadata: (params.metadata as Record<string, string>) ?? {},
      successUrl: text(params.success_url),
      cancelUrl: text(params.cancel_url),
      amountTotal: mode === 'payment' ? total : null,
      currency: mode === 'payment' ? 'usd' : null,
      status: 'open',
      paymentStatus: 'unpaid',
      paymentIntent: null,
    };
    return [200, this.save(input)];
  }

  /** The customer finishes the page: paid at once (a card), or unpaid (a bank debit on its way). */
  complete(id: string, paymentStatus: Extract<Stripe.Checkout.Session.PaymentStatus, 'paid' | 'unpaid'>): Session {
    const input = this.input(id);
    return this.save({ ...input, status: 'complete', paymentStatus, paymentIntent: input.mode === 'payment' ? stripeId('pi') : null });
  }

  /** The asynchronous payment of a completed session arrives. */
  settle(id: string): Session {
    return this.save({ ...this.input(id), paymentStatus: 'paid' });
  }

  private input(id: string): SessionInput {
    const input = this.inputs.get(id);
    if (!input) throw new Error(`the fake Stripe has no checkout session ${id}`);
    return input;
  }

  private save(input: SessionInput): Session {
    const session = checkoutSessionObject(input);
    this.inputs.set(input.id, input);
    this.objects.set(input.id, session);
    return session;
  }

  /** The item's amount in cents, or the error Stripe answers for it. */
  private itemAmount(item: FormObject, index: number): number | Answer {
    const at = `line_items[${index}]`;
    const quantity = Number(text(item.quantity) ?? '1');
    const price = text(item.price);
    if (price !== null) return this.prices.has(price) ? PRICE_UNIT_AMOUNT * quantity : invalid(`No such price: '${price}'`, `${at}[price]`, 'resource_missing');
    const data = item.price_data as FormObject | undefined;
    if (data === undefined) return invalid('You must specify either `price` or `price_data`.', at);
    if (text(data.currency) !== 'usd') return invalid('This fake Stripe prices in usd only.', `${at}[price_data][currency]`);
    const unit = text(data.unit_amount);
    if (unit === null || !/^\d+$/.test(unit)) return invalid('Invalid integer: unit_amount', `${at}[price_data][unit_amount]`);
    if (text((data.product_data as FormObject | undefined)?.name) === null && text(data.product) === null) return invalid('Missing required param: product_data[name].', `${at}[price_data][product_data][name]`);
    return Number(unit) * quantity;
  }
}
