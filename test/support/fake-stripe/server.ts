// A local Stripe for tests, since the real one cannot be reached from here: an HTTP server the
// stripe SDK is pointed at through `[stripe] api_base`, implementing the calls inferport makes
// (create a customer, a Checkout Session, an off-session PaymentIntent, a refund) with Stripe's
// request encoding, its authentication, its idempotency keys and its error shape. It records
// what it received.
import type Stripe from 'stripe';
import { customerObject, stripeId } from './objects';
import { decodeStripeForm, type FormObject } from './form';
import { createFakePayments, type FakePayments } from './payments';
import { errorBody, FakeSessions, type Session } from './sessions';

export interface StripeCall {
  method: string;
  path: string;
  params: FormObject;
  idempotencyKey: string | null;
  stripeVersion: string | null;
}

export interface FakeStripe {
  /** http://127.0.0.1:PORT: the value of `[stripe] api_base`. */
  url: string;
  secretKey: string;
  /** Every request, in order, replays of an idempotency key included. */
  calls: StripeCall[];
  customers: Map<string, ReturnType<typeof customerObject>>;
  sessions: ReadonlyMap<string, Session>;
  /** The customer finishes a session's page: paid at once, or unpaid while an asynchronous payment is on its way. */
  completeSession(id: string, paymentStatus: Extract<Stripe.Checkout.Session.PaymentStatus, 'paid' | 'unpaid'>): Session;
  /** A completed session's asynchronous payment arrives. */
  settleSession(id: string): Session;
  /** Prices that exist in this Stripe account; a checkout for another is refused as Stripe does. */
  prices: Set<string>;
  /** The next `count` requests answer 500 api_error, as a Stripe outage would. */
  failNext(count: number): void;
  /** PaymentIntents and refunds, and what the next PaymentIntents do (payments.ts). */
  payments: FakePayments;
  /** The calls received for one method and path, replays included. */
  callsTo(method: string, path: string): StripeCall[];
  /** Holds the answer to the next call to `path` until released: `reached` resolves when it arrives. */
  pauseNext(path: string): { reached: Promise<StripeCall>; release: () => void };
  stop(): Promise<void>;
}

interface Saved {
  body: string;
  status: number;
  answer: unknown;
}

export function startFakeStripe(options: { secretKey?: string; prices?: string[] } = {}): FakeStripe {
  const secretKey = options.secretKey ?? 'sk_test_fake_stripe_0123456789';
  const calls: StripeCall[] = [];
  const customers: FakeStripe['customers'] = new Map();
  const prices = new Set(options.prices ?? []);
  const sessions = new FakeSessions(customers, prices);
  const idempotent = new Map<string, Saved>();
  const payments = createFakePayments(customers, errorBody);
  let failures = 0;
  const pauses = new Map<string, { arrived: (call: StripeCall) => void; released: Promise<void> }>();

  const handle = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    const body = request.method === 'POST' ? await request.text() : '';
    const idempotencyKey = request.headers.get('idempotency-key');
    const call: StripeCall = { method: request.method, path, params: decodeStripeForm(body), idempotencyKey, stripeVersion: request.headers.get('stripe-version') };
    calls.push(call);
    const pause = pauses.get(path);
    if (pause) {
      pauses.delete(path);
      pause.arrived(call);
      await pause.released;
    }
    if (request.headers.get('authorization') !== `Bearer ${secretKey}`) {
      return stripeError(401, 'invalid_request_error', 'Invalid API Key provided.', null);
    }
    if (failures > 0) {
      failures -= 1;
      return stripeError(500, 'api_error', 'The fake Stripe failed on purpose.', null);
    }
    // Stripe's idempotency: the same key with the same parameters answers the saved response;
    // with other parameters it is an error.
    const saved = idempotencyKey ? idempotent.get(idempotencyKey) : undefined;
    if (saved) {
      if (saved.body !== body) return stripeError(400, 'idempotency_error', 'Keys for idempotent requests can only be used with the same parameters they were first used with.', null);
      return json(saved.status, saved.answer, { 'idempotent-replayed': 'true' });
    }
    const [status, answer] = route(request.method, path, decodeStripeForm(body));
    if (idempotencyKey && status < 500) idempotent.set(idempotencyKey, { body, status, answer });
    return json(status, answer);
  };

  const route = (method: string, path: string, params: FormObject): [number, unknown] => {
    const now = Math.floor(Date.now() / 1000);
    if (method === 'POST' && path === '/v1/customers') {
      const customer = customerObject({ id: stripeId('cus'), created: now, name: text(params.name), email: text(params.email), metadata: (params.metadata as Record<string, string>) ?? {} });
      customers.set(customer.id, customer);
      return [200, customer];
    }
    if (method === 'POST' && path === '/v1/checkout/sessions') return sessions.create(params, now);
    const payment = payments.route(method, path, params, now);
    if (payment) return payment;
    return [404, errorBody('invalid_request_error', `Unrecognized request URL (${method}: ${path}).`, null)];
  };

  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: handle });
  return {
    url: `http://127.0.0.1:${server.port}`,
    secretKey,
    calls,
    customers,
    sessions: sessions.objects,
    completeSession: (id, paymentStatus) => sessions.complete(id, paymentStatus),
    settleSession: (id) => sessions.settle(id),
    prices,
    failNext: (count) => {
      failures = count;
    },
    payments,
    callsTo: (method, path) => calls.filter((call) => call.method === method && call.path === path),
    pauseNext: (path) => {
      let arrived!: (call: StripeCall) => void;
      let release!: () => void;
      const reached = new Promise<StripeCall>((resolve) => (arrived = resolve));
      pauses.set(path, { arrived, released: new Promise<void>((resolve) => (release = resolve)) });
      return { reached, release };
    },
    stop: async () => {
      await server.stop(true);
    },
  };
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function stripeError(status: number, type: string, message: string, param: string | null): Response {
  return json(status, errorBody(type, message, param));
}

function json(status: number, answer: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(answer, { status, headers: { 'request-id': stripeId('req'), 'stripe-version': '2026-10-28.endive', ...headers } });
}
