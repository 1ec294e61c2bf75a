// IP parsing (src/shared/ip.ts): what the config's trusted_proxies and X-Forwarded-For may hold.
import { describe, expect, test } from 'bun:test';
import { blockKey, parseIp, parseIpRange, rangeContains } from '../../src/shared/ip';

const key = (text: string) => {
  const address = parseIp(text);
  if (!address) throw new Error(`${text} did not parse`);
  return blockKey(address);
};

describe('parseIp', () => {
  test.each([
    ['127.0.0.1', '127.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['::FFFF:cb00:7109', '203.0.113.9'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0::/64'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    ['fe80::', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0::/64'],
  ])('%s is counted as %s', (text, expected) => {
    expect(key(text)).toBe(expected);
  });

  test('one IPv6 /64 is one key; its neighbour is another', () => {
    expect(key('2001:db8:1:2::1')).toBe(key('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(key('2001:db8:1:3::1')).not.toBe(key('2001:db8:1:2::1'));
  });

  test.each(['', 'localhost', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1.2.3.-4', '01234.1.1.1', ' 1.2.3.4', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1', '1:', '12345::', 'g::1', '1:2:3:4:5:6:7::8', '::1.2.3', '1.2.3.4::', '[::1]'])(
    '%p is not an address',
    (text) => {
      expect(parseIp(text)).toBeNull();
    },
  );
});

describe('parseIpRange and rangeContains', () => {
  const contains = (range: string, address: string) => rangeContains(parseIpRange(range)!, parseIp(address)!);

  test('CIDR ranges of both families, and single addresses', () => {
    expect(contains('10.0.0.0/8', '10.255.1.2')).toBe(true);
    expect(contains('10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(contains('10.1.2.3/8', '10.9.9.9')).toBe(true);
    expect(contains('127.0.0.1', '127.0.0.1')).toBe(true);
    expect(contains('127.0.0.1', '127.0.0.2')).toBe(false);
    expect(contains('0.0.0.0/0', '198.51.100.1')).toBe(true);
    expect(contains('fd00::/8', 'fd12:3456::1')).toBe(true);
    expect(contains('fd00::/8', 'fe80::1')).toBe(false);
    // An IPv4-mapped peer is its IPv4 address, and no IPv6 range holds an IPv4 address.
    expect(contains('127.0.0.1', '::ffff:127.0.0.1')).toBe(true);
    expect(contains('::/0', '127.0.0.1')).toBe(false);
  });

  test.each(['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0.0/x', 'nope/8', '/8'])('%p is not a range', (text) => {
    expect(parseIpRange(text)).toBeNull();
  });
});
