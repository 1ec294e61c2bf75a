// The [stripe] section and the Stripe secrets: defaults, where the SDK is pointed, and the
// mistakes refused at start-up with the key named.
import { describe, expect, test } from 'bun:test';
import { ConfigError, parseConfig } from '../../src/config';

describe('[stripe]', () => {
  test('defaults: no Stripe, Stripe\'s own host, a 300 s signature tolerance', () => {
    expect(parseConfig({}, {}).stripe).toEqual({
      secretKey: null,
      webhookSecret: null,
      apiBase: null,
      webhookToleranceSeconds: 300,
      successUrl: null,
      cancelUrl: null,
    });
  });

  test('the secrets come from the environment, the rest from the file', () => {
    const config = parseConfig(
      { stripe: { api_base: 'http://127.0.0.1:12111', webhook_tolerance_seconds: 60, success_url: 'https://example.com/ok', cancel_url: 'https://example.com/back' } },
      { STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_WEBHOOK_SECRET: 'whsec_1' },
    );
    expect(config.stripe).toEqual({
      secretKey: 'sk_test_1',
      webhookSecret: 'whsec_1',
      apiBase: 'http://127.0.0.1:12111',
      webhookToleranceSeconds: 60,
      successUrl: 'https://example.com/ok',
      cancelUrl: 'https://example.com/back',
    });
  });

  test('api_base is an origin: scheme, host and port, nothing more', () => {
    expect(parseConfig({ stripe: { api_base: 'https://stripe.internal/' } }, {}).stripe.apiBase).toBe('https://stripe.internal');
    for (const apiBase of ['ftp://x', '127.0.0.1:12111', 'http://127.0.0.1:12111/v1', 'http://h?x=1', 7]) {
      expect(() => parseConfig({ stripe: { api_base: apiBase } }, {})).toThrow(/stripe\.api_base/);
    }
  });

  test('a tolerance of 0 (no replay protection) or beyond a day is refused', () => {
    for (const tolerance of [0, -1, 86_401, 1.5]) {
      expect(() => parseConfig({ stripe: { webhook_tolerance_seconds: tolerance } }, {})).toThrow(new ConfigError('stripe.webhook_tolerance_seconds must be a whole number from 1 to 86400'));
    }
  });

  test('an unknown key in [stripe] is named', () => {
    expect(() => parseConfig({ stripe: { secret_key: 'sk_live_x' } }, {})).toThrow(/unknown config key "stripe\.secret_key"/);
  });

  test('two plans sharing a stripe_price are refused: a subscription could not tell them apart', () => {
    const plans = { a: { stripe_price: 'price_1' }, b: { stripe_price: 'price_1' } };
    expect(() => parseConfig({ plans }, {})).toThrow(new ConfigError('plans.b.stripe_price "price_1" is also plans.a.stripe_price; each plan needs its own price'));
    expect(Object.keys(parseConfig({ plans: { a: { stripe_price: 'price_1' }, b: { stripe_price: 'price_2' }, c: {} } }, {}).plans)).toEqual(['a', 'b', 'c']);
  });
});
