// Which addresses a webhook may not reach unless [alerts] allow_private_targets is set.
import { describe, expect, test } from 'bun:test';
import { isRefusedAddress } from '../../src/alerts/target';
import { parseIp } from '../../src/shared/ip';

const refused = (text: string) => isRefusedAddress(parseIp(text)!);

describe('webhook targets', () => {
  test('loopback, link-local, private, CGNAT, unspecified, multicast and their IPv6 forms are refused', () => {
    for (const address of [
      '127.0.0.1', '127.255.255.254', '0.0.0.0', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.0.1', '100.64.0.1', '100.127.255.255', '169.254.169.254',
      '224.0.0.1', '255.255.255.255', '::', '::1', 'fc00::1', 'fdff::1', 'fe80::1', 'febf::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254',
      '64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe', '::127.0.0.1',
    ]) {
      expect({ address, refused: refused(address) }).toEqual({ address, refused: true });
    }
  });

  test('public addresses are allowed', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2001:4860:4860::8888', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
      expect({ address, refused: refused(address) }).toEqual({ address, refused: false });
    }
  });
});
