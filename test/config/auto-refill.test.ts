// The [auto_refill] section: defaults (back off an hour, off after 3 failures, at most 1000
// credits a refill), and the mistakes refused at start-up with the key named.
import { describe, expect, test } from 'bun:test';
import { ConfigError, parseConfig } from '../../src/config';

describe('[auto_refill]', () => {
  test('defaults: an hour of back-off, off after 3 failures in a row, 1000 credits at most', () => {
    expect(parseConfig({}, {}).autoRefill).toEqual({ declineBackoffSeconds: 3600, failuresBeforeDisable: 3, maxAmountMicros: 1_000_000_000n });
  });

  test('set from the file', () => {
    const config = parseConfig({ auto_refill: { decline_backoff_seconds: 600, failures_before_disable: 5, max_amount: '250.5' } }, {});
    expect(config.autoRefill).toEqual({ declineBackoffSeconds: 600, failuresBeforeDisable: 5, maxAmountMicros: 250_500_000n });
  });

  test('out of range, malformed and unknown keys are named', () => {
    expect(() => parseConfig({ auto_refill: { decline_backoff_seconds: 59 } }, {})).toThrow(new ConfigError('auto_refill.decline_backoff_seconds must be a whole number from 60 to 604800'));
    expect(() => parseConfig({ auto_refill: { failures_before_disable: 0 } }, {})).toThrow(/auto_refill\.failures_before_disable/);
    expect(() => parseConfig({ auto_refill: { max_amount: 'lots' } }, {})).toThrow(/auto_refill\.max_amount/);
    expect(() => parseConfig({ auto_refill: { threshold: 5 } }, {})).toThrow(/unknown config key "auto_refill\.threshold"/);
  });

  test('a max_amount below the smallest payment (min_custom_usd at credits_per_usd) leaves no refill possible, and is refused', () => {
    expect(() => parseConfig({ auto_refill: { max_amount: 4 }, wallet: { min_custom_usd: 5 } }, {})).toThrow(/auto_refill\.max_amount must be at least/);
    expect(parseConfig({ auto_refill: { max_amount: 500 }, wallet: { min_custom_usd: 5, credits_per_usd: 100 } }, {}).autoRefill.maxAmountMicros).toBe(500_000_000n);
  });
});
