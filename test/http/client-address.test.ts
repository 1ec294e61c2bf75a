// Which address a request is counted under (src/http/client-address.ts): the socket's peer,
// unless that peer is a trusted proxy; then X-Forwarded-For, read from the right.
import { describe, expect, test } from 'bun:test';
import { clientAddress } from '../../src/http/client-address';
import { blockKey, parseIpRange, type IpRange } from '../../src/shared/ip';

const ranges = (...texts: string[]): IpRange[] => texts.map((text) => parseIpRange(text)!);
const resolve = (socket: string | null, forwardedFor: string | null, trusted: IpRange[]) => {
  const address = clientAddress(socket, forwardedFor, trusted);
  return address ? blockKey(address) : null;
};

describe('clientAddress', () => {
  test('without trusted proxies the header is ignored', () => {
    expect(resolve('198.51.100.1', '203.0.113.5', [])).toBe('198.51.100.1');
  });

  test('from an untrusted peer the header is ignored, even when proxies are trusted', () => {
    expect(resolve('198.51.100.1', '203.0.113.5', ranges('10.0.0.0/8'))).toBe('198.51.100.1');
  });

  test('from a trusted proxy, the rightmost entry that is not a trusted proxy is the client', () => {
    const trusted = ranges('10.0.0.0/8', '127.0.0.1');
    expect(resolve('127.0.0.1', '203.0.113.5', trusted)).toBe('203.0.113.5');
    expect(resolve('127.0.0.1', '203.0.113.5, 10.1.1.1', trusted)).toBe('203.0.113.5');
    // What a client writes at the left cannot choose its address: the proxy appended the real one.
    expect(resolve('127.0.0.1', '1.1.1.1, 203.0.113.5', trusted)).toBe('203.0.113.5');
    expect(resolve('127.0.0.1', '1.1.1.1,203.0.113.5, 10.1.1.1', trusted)).toBe('203.0.113.5');
  });

  test('ports and brackets that some proxies write are read; IPv6 is counted by /64', () => {
    const trusted = ranges('127.0.0.1');
    expect(resolve('127.0.0.1', '203.0.113.5:4711', trusted)).toBe('203.0.113.5');
    expect(resolve('127.0.0.1', '[2001:db8:1:2::7]:4711', trusted)).toBe('2001:db8:1:2::/64');
    expect(resolve('127.0.0.1', '2001:db8:1:2::8', trusted)).toBe('2001:db8:1:2::/64');
  });

  test('a trusted proxy with no header, or a chain of trusted proxies only, is itself the client', () => {
    const trusted = ranges('10.0.0.0/8', '127.0.0.1');
    expect(resolve('127.0.0.1', null, trusted)).toBe('127.0.0.1');
    expect(resolve('127.0.0.1', '', trusted)).toBe('127.0.0.1');
    expect(resolve('127.0.0.1', '10.0.0.2, 10.0.0.3', trusted)).toBe('10.0.0.2');
  });

  test('an entry that is no address stops the walk at the proxy that wrote it', () => {
    const trusted = ranges('10.0.0.0/8', '127.0.0.1');
    expect(resolve('127.0.0.1', 'garbage', trusted)).toBe('127.0.0.1');
    expect(resolve('127.0.0.1', 'garbage, 10.0.0.9', trusted)).toBe('10.0.0.9');
  });

  test('no socket address (an in-process request) is no address', () => {
    expect(resolve(null, '203.0.113.5', ranges('0.0.0.0/0'))).toBeNull();
  });
});
