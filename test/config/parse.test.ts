import { describe, expect, test } from 'bun:test';
import { ConfigError, parseConfig } from '../../src/config';

describe('config', () => {
  test('defaults are filled in and the result is frozen', () => {
    const config = parseConfig({}, {});
    expect(config.server.port).toBe(8080);
    expect(config.prices.default.inputPerMillionMicros).toBe(750_000n);
    expect(config.wallet.trialCreditsMicros).toBe(20_000_000n);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow();
  });

  test('an unknown key stops start-up with a message that names it', () => {
    expect(() => parseConfig({ server: { prot: 1 } }, {})).toThrow(new ConfigError('unknown config key "server.prot" (known: port, host, data_dir, max_body_bytes, stream_max_seconds, shutdown_grace_seconds, reuse_port, trusted_proxies, max_header_bytes, max_headers)'));
    expect(() => parseConfig({ servr: {} }, {})).toThrow(/unknown config key "servr"/);
  });

  // Bug: [ledger] hold_ttl_seconds was parsed and then ignored (nothing creates a hold with it; the
  // one-by-one fallback hard-coded 60 s). Until standalone holds are served, it is refused by name.
  test('hold_ttl_seconds stops start-up as not supported yet, and is no part of the config', () => {
    expect(() => parseConfig({ ledger: { hold_ttl_seconds: 3900 } }, {})).toThrow(new ConfigError('config key "ledger.hold_ttl_seconds" is not supported yet; remove it (see inferport.example.toml)'));
    expect(Object.keys(parseConfig({}, {}).ledger)).not.toContain('holdTtlSeconds');
  });

  test('a malformed value names its key', () => {
    expect(() => parseConfig({ server: { port: 'eighty' } }, {})).toThrow(/server\.port/);
    expect(() => parseConfig({ prices: { default: { input_per_million: 0.1234567 } } }, {})).toThrow(/prices\.default\.input_per_million/);
    expect(() => parseConfig({ upstreams: [{ name: 'a', url: 'ftp://x', models: ['m'] }] }, {})).toThrow(/upstreams\[0\]\.url/);
    expect(() => parseConfig({ server: { reuse_port: 'yes' } }, {})).toThrow(new ConfigError('server.reuse_port must be true or false'));
  });

  test('[abuse] blocks after 10 failures a minute for 5 minutes by default; 0 turns it off; bad values name their key', () => {
    expect(parseConfig({}, {}).abuse).toEqual({ authFailures: 10, authFailureWindowSeconds: 60, blockSeconds: 300, trackedAddresses: 100_000 });
    expect(parseConfig({ abuse: { auth_failures: 0 } }, {}).abuse.authFailures).toBe(0);
    expect(() => parseConfig({ abuse: { auth_failures: -1 } }, {})).toThrow(/abuse\.auth_failures/);
    expect(() => parseConfig({ abuse: { block_seconds: 0 } }, {})).toThrow(/abuse\.block_seconds/);
    expect(() => parseConfig({ abuse: { auth_failure_window_seconds: 1.5 } }, {})).toThrow(/abuse\.auth_failure_window_seconds/);
    expect(() => parseConfig({ abuse: { tracked_addresses: 0 } }, {})).toThrow(/abuse\.tracked_addresses/);
    expect(() => parseConfig({ abuse: { block: 1 } }, {})).toThrow(/abuse\.block/);
  });

  test('[server] trusted_proxies takes addresses and CIDR ranges, and names the entry that is neither', () => {
    expect(parseConfig({}, {}).server.trustedProxies).toEqual([]);
    const { trustedProxies } = parseConfig({ server: { trusted_proxies: ['127.0.0.1', '10.0.0.0/8', 'fd00::/8'] } }, {}).server;
    expect(trustedProxies.map((range) => [range.family, range.prefixBits])).toEqual([[4, 32], [4, 8], [6, 8]]);
    expect(() => parseConfig({ server: { trusted_proxies: ['127.0.0.1', 'proxy.internal'] } }, {})).toThrow(/server\.trusted_proxies\[1\] "proxy\.internal"/);
    expect(() => parseConfig({ server: { trusted_proxies: '127.0.0.1' } }, {})).toThrow(/server\.trusted_proxies must be a list/);
  });

  test('a shared port is off unless asked for', () => {
    expect(parseConfig({}, {}).server.reusePort).toBe(false);
    expect(parseConfig({ server: { reuse_port: true } }, {}).server.reusePort).toBe(true);
  });

  test('the environment overrides the file', () => {
    const config = parseConfig({ server: { port: 1000 }, database: { url: 'postgres://file' } }, { INFERPORT_PORT: '2000', DATABASE_URL: 'postgres://env' });
    expect(config.server.port).toBe(2000);
    expect(config.database.url).toBe('postgres://env');
  });

  test('per-model prices inherit the default price', () => {
    const config = parseConfig({ prices: { default: { input_per_million: 1 }, 'big-model': { output_per_million: '2.5' } } }, {});
    expect(config.prices.models['big-model']!.inputPerMillionMicros).toBe(1_000_000n);
    expect(config.prices.models['big-model']!.outputPerMillionMicros).toBe(2_500_000n);
  });
});

test('an upstream URL given as an OpenAI base URL (ending in /v1) is accepted', () => {
  const config = parseConfig({ upstreams: [{ name: 'vllm', url: 'http://127.0.0.1:8000/v1/', models: ['m'] }] }, {});
  expect(config.upstreams[0]!.url).toBe('http://127.0.0.1:8000');
});
