// Valid-looking JSON text for a field, so that fuzzed requests also get past validation and
// reach the handlers: from the field's JSON schema, or from what a real client sends for the
// fields the schema cannot describe (OpenAI bodies are documented as just {model}).
import fc from 'fast-check';
import type { SchemaNode } from '../../src/http/validation';

/** The schema keywords the fuzzer reads: the validator's own (src/http/validation.ts), plus `required`. */
export interface JsonSchema extends Omit<SchemaNode, 'anyOf' | 'items' | 'properties'> {
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

const text = (values: unknown[]) => fc.constantFrom(...values.map((value) => JSON.stringify(value)));
const futureDate = fc.integer({ min: 1, max: 3650 }).map((days) => JSON.stringify(new Date(Date.now() + days * 86_400_000).toISOString()));
const messages = fc
  .array(fc.record({ role: fc.constantFrom('system', 'user', 'assistant'), content: fc.string({ maxLength: 40 }) }), { minLength: 1, maxLength: 3 })
  .map((list) => JSON.stringify(list));

/** A small count mostly; sometimes an integer too large for any budget (1e308 is an integer to JSON and JavaScript). */
function countText(max: number): fc.Arbitrary<string> {
  const huge = fc.constantFrom('1000000', '1000000000000000', '9007199254740993', '1e308', '1.7976931348623157e308', '2147483648');
  return fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max }).map(String) }, { weight: 1, arbitrary: huge });
}

/** Field names whose good values a schema does not tell: what real clients and admins send. */
const FIELD_HINTS: Record<string, fc.Arbitrary<string>> = {
  model: text(['fake-model', 'fake-model', 'other-model', 'org/fake-model', 'unknown-model', 'fake-media-model', 'fake-media-model']),
  messages,
  prompt: fc.oneof(fc.string({ maxLength: 40 }).map((value) => JSON.stringify(value)), text([['one', 'two'], [1, 2, 3]])),
  input: fc.oneof(fc.string({ maxLength: 40 }).map((value) => JSON.stringify(value)), text([['a b', 'c'], [1, 2]])),
  max_tokens: countText(64),
  max_completion_tokens: countText(64),
  n: countText(4),
  stream: text([true, false]),
  stream_options: text([{ include_usage: true }, { include_usage: false }, {}]),
  temperature: text([0, 0.7, 2]),
  encoding_format: text(['float', 'base64']),
  // The media routes' fields (images, speech).
  response_format: text(['url', 'b64_json', 'wav', 'mp3', 'pcm', 'json']),
  voice: text(['alloy', '']),
  speed: text([1, 0.5, 4, 9]),
  size: text(['256x256', '1024x1024']),
  amount: text(['1', '0.5', '25', '0.000001', '1000000']),
  threshold: text(['0', '5', '10.5', '0.000001', '1000000000', '1000000001']),
  reason: fc.oneof(fc.string({ minLength: 1, maxLength: 60 }).map((value) => JSON.stringify(value)), text(['no longer needed'])),
  name: fc.string({ minLength: 1, maxLength: 30 }).map((value) => JSON.stringify(value)),
  email: text(['owner@example.com', null]),
  note: text(['fuzz', null]),
  plan: text(['basic', null, 'no-such-plan']),
  // POST /console/checkout: packs offered and not, custom amounts inside and outside the bounds.
  pack: text(['5', '20.00', '100', '7', 'five']),
  amount_usd: text(['1', '12.50', '10000', '0.49', '12.345', '10000.01']),
  expires_at: fc.oneof(futureDate, text([null])),
  // Coupon codes (POST /admin/coupons, POST /console/coupons/redeem): the fixture's codes, in
  // any case and with spaces, whose redemptions succeed or are refused for each reason, and new
  // ones, which admins can create and customers cannot find.
  code: fc.oneof(
    { weight: 2, arbitrary: text(['FUZZ-WELCOME', 'fuzz-welcome', ' Fuzz-Welcome ', 'FUZZ-USED-UP', 'FUZZ-DISABLED', 'FUZZ-EXPIRED', 'FUZZ-BIG']) },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{3,20}$/).map((value) => JSON.stringify(value)) },
  ),
  // POST /admin/deployments: the fixture's funded account (fixture.ts) and one that is not here,
  // configured instance types and not, upstream URLs good and not.
  account_id: text(['acct_fuzz_deployer', 'acct_fuzz_deployer', 'acct_fuzz_nobody']),
  instance_type: text(['gpu-s', 'gpu-l', 'gpu-xl']),
  upstream_url: text(['http://127.0.0.1:9', 'https://inference.example/v1', 'ftp://example', 'not a url']),
  max_redemptions: fc.oneof(fc.integer({ min: 1, max: 5 }).map(String), text([null])),
  credit_expires_days: fc.oneof(fc.integer({ min: 1, max: 60 }).map(String), text([null])),
  idempotency_key: fc.string({ minLength: 1, maxLength: 20 }).map((value) => JSON.stringify(value)),
  // A Stripe event (POST /webhooks/stripe): fresh ids mostly, one id again and again (a
  // redelivery), the types that have handlers and some that do not, and subscription objects
  // whole, broken or of no account here.
  id: fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^evt_[A-Za-z0-9]{8,24}$/) }, { weight: 1, arbitrary: fc.constant('evt_fuzz_redelivered') }).map((value) => JSON.stringify(value)),
  type: text([
    'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted', 'invoice.paid',
    'checkout.session.completed', 'checkout.session.async_payment_succeeded', 'checkout.session.async_payment_failed',
    'payment_intent.succeeded', 'payment_intent.payment_failed', 'setup_intent.succeeded', 'charge.refunded', 'charge.dispute.created', 'charge.dispute.closed',
  ]),
  created: fc.integer({ min: 1_500_000_000, max: 2_100_000_000 }).map(String),
  data: text([
    { object: {} },
    { object: { id: 'sub_fuzz', object: 'subscription', status: 'active', created: 1_700_000_000, customer: 'cus_fuzz', items: { data: [{ price: { id: 'price_fuzz_basic' } }] }, metadata: { account_id: 'acct_fuzz_nobody' } } },
    { object: { id: 'sub_fuzz', object: 'subscription', status: 'canceled', created: 1_700_000_000, customer: { id: 'cus_fuzz' }, items: { data: [null, { price: 7 }] }, metadata: { account_id: 7 } } },
    { object: { id: 'cs_fuzz', object: 'checkout.session', mode: 'subscription' } },
    // A paid pack session for an account that is not here, and one with no payment intent.
    { object: { id: 'cs_fuzz_paid', object: 'checkout.session', mode: 'payment', payment_status: 'paid', payment_intent: 'pi_fuzz', amount_total: 500, currency: 'usd', metadata: { account_id: 'acct_fuzz_nobody', credits_micros: '5000000' } } },
    { object: { id: 'cs_fuzz_broken', object: 'checkout.session', mode: 'payment', payment_status: 'paid', metadata: { credits_micros: 'lots' } } },
    // Payments of no account here, whole or broken: refills, cards saved, refunds, disputes.
    { object: { id: 'pi_fuzz', object: 'payment_intent', amount: 2000, amount_received: 2000, currency: 'usd', customer: 'cus_fuzz', payment_method: 'pm_fuzz', setup_future_usage: 'off_session', metadata: { account_id: 'acct_fuzz_nobody', refill_attempt_id: 'refill_fuzz' } } },
    { object: { id: 'pi_fuzz', object: 'payment_intent', amount: 'x', last_payment_error: { code: 7 }, metadata: null } },
    { object: { id: 'seti_fuzz', object: 'setup_intent', usage: 'off_session', customer: { id: 'cus_fuzz' }, payment_method: 'pm_fuzz' } },
    { object: { id: 'ch_fuzz', object: 'charge', amount_refunded: 500, payment_intent: 'pi_fuzz', refunds: { data: [null, { id: 're_fuzz', status: 'succeeded', metadata: 7 }] } } },
    { object: { id: 'dp_fuzz', object: 'dispute', amount: 500, status: 'needs_response', charge: 'ch_fuzz', payment_intent: { id: 'pi_fuzz' } } },
  ]),
};

/** Extra fields an OpenAI client sends that the document's {model} schema does not name. */
export const OPENAI_FIELDS: Record<string, { required: string[]; optional: string[] }> = {
  '/v1/chat/completions': { required: ['model', 'messages'], optional: ['max_tokens', 'max_completion_tokens', 'n', 'stream', 'stream_options', 'temperature'] },
  '/v1/completions': { required: ['model', 'prompt'], optional: ['max_tokens', 'n', 'stream', 'stream_options', 'temperature'] },
  '/v1/embeddings': { required: ['model', 'input'], optional: ['encoding_format'] },
  // response_format is left to the hostile cases here: its hint's values are mostly the speech route's.
  '/v1/images/generations': { required: ['model', 'prompt'], optional: ['n', 'size', 'quality'] },
  '/v1/audio/speech': { required: ['model', 'input'], optional: ['voice', 'response_format', 'speed'] },
};

const NUMBER_FIELDS = new Set(['max_tokens', 'max_completion_tokens', 'n', 'temperature', 'dimensions', 'max_redemptions', 'credit_expires_days']);
const STRING_FIELDS = new Set(['account_id', 'instance_type', 'upstream_url', 'model', 'amount', 'name', 'email', 'note', 'plan', 'pack', 'amount_usd', 'idempotency_key', 'expires_at', 'encoding_format', 'code']);

/** Whether a field takes a number or a string, so that hostile values can be of the same kind. */
export function kindOfField(name: string, schema: JsonSchema | undefined): 'number' | 'string' | 'other' {
  const types = [schema?.type, ...(schema?.anyOf ?? []).map((branch) => branch.type)];
  if (NUMBER_FIELDS.has(name) || types.includes('number') || types.includes('integer')) return 'number';
  if (STRING_FIELDS.has(name) || types.includes('string')) return 'string';
  return 'other';
}

export function validValueText(name: string, schema: JsonSchema | undefined): fc.Arbitrary<string> {
  const hint = FIELD_HINTS[name];
  if (hint && !schema?.anyOf?.some((branch) => branch.const !== undefined) && schema?.const === undefined) return hint;
  return schemaValueText(schema ?? {});
}

function schemaValueText(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.const !== undefined) return fc.constant(JSON.stringify(schema.const));
  if (schema.anyOf?.length) return fc.oneof(...schema.anyOf.map(schemaValueText));
  switch (schema.type) {
    case 'null':
      return fc.constant('null');
    case 'boolean':
      return text([true, false]);
    case 'integer':
    case 'number':
      return fc.integer({ min: Math.ceil(schema.minimum ?? 0), max: Math.floor(schema.maximum ?? 1000) }).map(String);
    case 'array':
      return fc.array(schemaValueText(schema.items ?? {}), { maxLength: Math.min(3, schema.maxItems ?? 3) }).map((items) => `[${items.join(',')}]`);
    case 'string':
      if (schema.format === 'date-time') return futureDate;
      if (schema.format === 'email') return text(['owner@example.com']);
      return fc
        .string({ minLength: Math.max(1, schema.minLength ?? 1), maxLength: Math.min(30, schema.maxLength ?? 30) })
        .map((value) => JSON.stringify(value));
    default:
      return text(['x', 1, true, null]);
  }
}
