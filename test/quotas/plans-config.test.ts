// The plan settings: limits, max_tokens_per_request, per-model limits, the default plan and the
// Redis fallback, each refused by name when malformed.
import { describe, expect, test } from 'bun:test';
import { ConfigError, parseConfig } from '../../src/config';

describe('[plans.<name>]', () => {
  test('a plan with per-model limits; what it leaves out is unlimited', () => {
    const config = parseConfig({ plans: { pro: { requests_per_minute: 60, max_tokens_per_request: 4096, models: ['a', 'b'], model_limits: { b: { tokens_per_day: 1000, max_tokens_per_request: 512 } } } } }, {});
    expect(config.plans.pro).toEqual({
      requestsPerMinute: 60, tokensPerMinute: null, tokensPerDay: null, tokensPerMonth: null, concurrent: null, maxTokensPerRequest: 4096,
      models: ['a', 'b'],
      modelLimits: { b: { requestsPerMinute: null, tokensPerMinute: null, tokensPerDay: 1000, tokensPerMonth: null, concurrent: null, maxTokensPerRequest: 512 } },
      stripePrice: null,
    });
  });

  test('malformed plan settings name their key', () => {
    expect(() => parseConfig({ plans: { pro: { max_tokens_per_request: 0 } } }, {})).toThrow(/plans\.pro\.max_tokens_per_request/);
    expect(() => parseConfig({ plans: { pro: { model_limits: { m: { models: ['x'] } } } } }, {})).toThrow(/unknown config key "plans\.pro\.model_limits\."m"\.models"/);
    expect(() => parseConfig({ plans: { pro: { model_limits: 3 } } }, {})).toThrow(/plans\.pro\.model_limits must be a table/);
    expect(() => parseConfig({ plans: { pro: { model_limits: { m: { concurrent: -1 } } } } }, {})).toThrow(/plans\.pro\.model_limits\."m"\.concurrent/);
  });

  test("limits for a model the plan's list leaves out are refused: they could never apply", () => {
    expect(() => parseConfig({ plans: { pro: { models: ['a'], model_limits: { b: { concurrent: 1 } } } } }, {})).toThrow(new ConfigError('plans.pro.model_limits."b" names a model that plan\'s models do not list'));
  });
});

describe('[quotas] and [redis]', () => {
  test('defaults: no default plan, 60 s tickets, fail closed, 1 s command timeout', () => {
    const config = parseConfig({}, {});
    expect(config.quotas).toEqual({ defaultPlan: null, ticketTtlSeconds: 60 });
    expect(config.redis).toEqual({ url: null, fallback: 'closed', commandTimeoutMs: 1000, keyPrefix: 'inferport:' });
  });

  test('default_plan must name a configured plan', () => {
    expect(parseConfig({ plans: { free: {} }, quotas: { default_plan: 'free' } }, {}).quotas.defaultPlan).toBe('free');
    expect(() => parseConfig({ plans: { free: {} }, quotas: { default_plan: 'fre' } }, {})).toThrow(new ConfigError('quotas.default_plan names "fre", which is not a configured plan (configured: free)'));
    expect(() => parseConfig({ quotas: { default_plan: 'constructor' } }, {})).toThrow(/not a configured plan/);
  });

  test('fallback is "closed" or "local"', () => {
    expect(parseConfig({ redis: { fallback: 'local' } }, {}).redis.fallback).toBe('local');
    expect(() => parseConfig({ redis: { fallback: 'open' } }, {})).toThrow(new ConfigError('redis.fallback must be one of "closed", "local"'));
  });
});
