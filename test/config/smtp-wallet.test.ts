// The [smtp] section and the credit pack settings of [wallet]: defaults, what is refused at
// start-up (with the key named), and where the SMTP password comes from.
import { describe, expect, test } from 'bun:test';
import { ConfigError, parseConfig } from '../../src/config';

describe('[smtp]', () => {
  test('absent or empty: no mail', () => {
    expect(parseConfig({}, {}).smtp).toBeNull();
    expect(parseConfig({ smtp: {} }, { SMTP_PASSWORD: 'unused' }).smtp).toBeNull();
  });

  test('a host and a sender: submission port 587, or 465 with secure; the password from SMTP_PASSWORD', () => {
    expect(parseConfig({ smtp: { host: 'mail.example.com', from: 'billing@example.com' } }, {}).smtp).toEqual({
      host: 'mail.example.com', port: 587, secure: false, requireTls: false, from: 'billing@example.com', user: null, password: null,
    });
    const secure = parseConfig({ smtp: { host: 'mail.example.com', secure: true, require_tls: true, from: 'inferport <billing@example.com>', user: 'billing' } }, { SMTP_PASSWORD: 's3cret' });
    expect(secure.smtp).toEqual({ host: 'mail.example.com', port: 465, secure: true, requireTls: true, from: 'inferport <billing@example.com>', user: 'billing', password: 's3cret' });
    expect(parseConfig({ smtp: { host: 'h', port: 2525, from: 'a@b' } }, {}).smtp?.port).toBe(2525);
  });

  test('mistakes are refused with the key named', () => {
    const cases: [Record<string, unknown>, Record<string, string>, RegExp][] = [
      [{ from: 'a@b' }, {}, /smtp\.host is required when \[smtp\] sets smtp\.from/],
      [{ host: 'h' }, {}, /smtp\.from is required/],
      [{ host: 'h', from: 'billing' }, {}, /smtp\.from must be an address/],
      [{ host: 'h', from: 'a@b\r\nBcc: x@y' }, {}, /smtp\.from must be an address/],
      [{ host: 'h', from: 'a@b', user: 'u' }, {}, /SMTP_PASSWORD must be set/],
      [{ host: 'h', from: 'a@b', port: 0 }, {}, /smtp\.port must be a whole number from 1 to 65535/],
      [{ host: 'h', from: 'a@b', secure: 'yes' }, {}, /smtp\.secure must be true or false/],
      [{ host: 'h', from: 'a@b', password: 'x' }, {}, /unknown config key "smtp\.password"/],
    ];
    for (const [smtp, env, message] of cases) expect(() => parseConfig({ smtp }, env)).toThrow(message);
  });
});

describe('[wallet] packs', () => {
  test('defaults: $5 to $100, custom from $1 to $10,000, one credit per dollar', () => {
    const { wallet } = parseConfig({}, {});
    expect({ packs: wallet.packsUsd, min: wallet.minCustomUsd, max: wallet.maxCustomUsd, rate: wallet.creditsPerUsd }).toEqual({ packs: [5, 10, 20, 50, 100], min: 1, max: 10_000, rate: 1 });
  });

  test('amounts Stripe cannot charge, or rates of more than 6 decimals, are refused with the key named', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ packs: [5, 0.25] }, 'wallet.packs[1] must be an amount of US dollars from 0.50 to 999999.99 with at most 2 decimals'],
      [{ packs: [9.999] }, 'wallet.packs[0] must be an amount of US dollars from 0.50 to 999999.99 with at most 2 decimals'],
      [{ packs: [1_000_000] }, 'wallet.packs[0] must be an amount of US dollars from 0.50 to 999999.99 with at most 2 decimals'],
      [{ packs: ['5'] }, 'wallet.packs[0] must be an amount of US dollars from 0.50 to 999999.99 with at most 2 decimals'],
      [{ packs: [5, 5] }, 'wallet.packs lists an amount twice'],
      [{ packs: 5 }, 'wallet.packs must be a list of amounts of US dollars'],
      [{ min_custom_usd: 0.1 }, 'wallet.min_custom_usd must be an amount of US dollars from 0.50 to 999999.99 with at most 2 decimals'],
      [{ max_custom_usd: 1e7 }, 'wallet.max_custom_usd must be an amount of US dollars from 0.50 to 999999.99 with at most 2 decimals'],
      [{ min_custom_usd: 50, max_custom_usd: 20 }, 'wallet.max_custom_usd must not be below wallet.min_custom_usd'],
      [{ credits_per_usd: 0.0000001 }, 'wallet.credits_per_usd must be a positive number with at most 6 decimals'],
      [{ credits_per_usd: 0 }, 'wallet.credits_per_usd must be a positive number'],
    ];
    for (const [wallet, message] of cases) expect(() => parseConfig({ wallet }, {})).toThrow(new ConfigError(message));
    expect(parseConfig({ wallet: { packs: [0.5, 19.99, 999_999.99], credits_per_usd: 0.000001 } }, {}).wallet.packsUsd).toEqual([0.5, 19.99, 999_999.99]);
  });
});
