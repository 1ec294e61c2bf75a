// What the logger blanks out of every line: secrets by their shape, and the exact secrets the
// process was configured with; ids, counts and timestamps pass untouched.
import { describe, expect, test } from 'bun:test';
import { addSecrets, isLuhnValid, redact } from '../../src/logs/redact';

describe('redact', () => {
  test('API keys, bearer tokens, Stripe, webhook and OpenAI-style secrets', () => {
    const key = 'ipk_' + 'Ab3_-x'.repeat(7);
    const line = `key ${key} header Authorization: Bearer abc.def-123 stripe sk_test_51Habc sk_live_9zz rk_test_abc whsec_aGVsbG8+/= upstream sk-proj-abcdefghijklmnop`;
    const out = redact(line);
    for (const secret of [key, 'abc.def-123', 'sk_test_51Habc', 'sk_live_9zz', 'rk_test_abc', 'whsec_aGVsbG8', 'sk-proj-abcdefghijklmnop']) expect(out).not.toContain(secret);
    expect(out).toBe('key ipk_[redacted] header Authorization: Bearer [redacted] stripe sk_test_[redacted] sk_live_[redacted] rk_test_[redacted] whsec_[redacted] upstream sk-[redacted]');
  });

  test("a key's public prefix (ipk_ and six characters) stays readable", () => {
    expect(redact('key ipk_Ab3x9Q revoked')).toBe('key ipk_Ab3x9Q revoked');
  });

  test('card numbers, grouped or not, that pass the checksum', () => {
    expect(redact('card 4242 4242 4242 4242, 4242-4242-4242-4242 or 4242424242424242; amex 378282246310005')).toBe(
      'card [card redacted], [card redacted] or [card redacted]; amex [card redacted]',
    );
  });

  test('timestamps, micro-credit amounts and numbers that fail the checksum are left alone', () => {
    const line = 'at 1764650000000 ms, 1764650000000123 us, balance 1000000000000000, not a card 4242424242424241';
    expect(redact(line)).toBe(line);
    expect([isLuhnValid('4242424242424242'), isLuhnValid('4242424242424241')]).toEqual([true, false]);
  });

  test('configured secrets without a shape, wherever they appear; short values are not taken', () => {
    addSecrets(['plain-admin-secret-value', 'short', null, undefined]);
    expect(redact('token=plain-admin-secret-value;x=plain-admin-secret-value')).toBe('token=[redacted];x=[redacted]');
    expect(redact('a short word')).toBe('a short word');
  });
});
