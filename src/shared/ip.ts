// IP addresses as numbers: parsing (strict, for the config and for what proxies forward), CIDR
// ranges (trusted proxies), and the key an address is counted under when it fails to
// authenticate. IPv4-mapped IPv6 (::ffff:a.b.c.d, how a dual-stack socket shows an IPv4 peer)
// is read as the IPv4 address it carries, so one client never has two names.

export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

export interface IpRange {
  family: 4 | 6;
  network: bigint;
  prefixBits: number;
}

const BITS = { 4: 32, 6: 128 } as const;

export function parseIp(text: string): IpAddress | null {
  if (!text.includes(':')) {
    const value = parseIpv4(text);
    return value === null ? null : { family: 4, value };
  }
  const value = parseIpv6(text);
  if (value === null) return null;
  if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffff_ffffn };
  return { family: 6, value };
}

/** "10.0.0.0/8", "2001:db8::/32", or one address ("127.0.0.1": a range of one). */
export function parseIpRange(text: string): IpRange | null {
  const [addressText, prefixText, extra] = text.split('/');
  if (extra !== undefined || addressText === undefined) return null;
  const address = parseIp(addressText);
  if (!address) return null;
  const bits = BITS[address.family];
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefixBits = prefixText === undefined ? bits : Number(prefixText);
  if (prefixBits > bits) return null;
  const hostBits = BigInt(bits - prefixBits);
  return { family: address.family, network: (address.value >> hostBits) << hostBits, prefixBits };
}

export function rangeContains(range: IpRange, address: IpAddress): boolean {
  if (range.family !== address.family) return false;
  const hostBits = BigInt(BITS[address.family] - range.prefixBits);
  return address.value >> hostBits === range.network >> hostBits;
}

/**
 * The name failures are counted under: the address itself for IPv4, its /64 for IPv6, because
 * one host is routinely handed a whole /64 and could otherwise try from a fresh address each time.
 */
export function blockKey(address: IpAddress): string {
  if (address.family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 0xffn)).join('.');
  }
  const words = [112n, 96n, 80n, 64n].map((shift) => ((address.value >> shift) & 0xffffn).toString(16));
  return `${words.join(':')}::/64`;
}

function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const compressed = halves.length === 2;
  const head = toWords(halves[0]!, !compressed);
  const tail = compressed ? toWords(halves[1]!, true) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (compressed ? missing < 1 : missing !== 0) return null;
  const words = [...head, ...new Array<number>(compressed ? missing : 0).fill(0), ...tail];
  return words.reduce((value, word) => (value << 16n) | BigInt(word), 0n);
}

/** The 16-bit words of colon-separated groups; the address's last group may be dotted IPv4 (two words). */
function toWords(text: string, endsAddress: boolean): number[] | null {
  if (text === '') return [];
  const groups = text.split(':');
  const words: number[] = [];
  for (const [index, group] of groups.entries()) {
    if (endsAddress && index === groups.length - 1 && group.includes('.')) {
      const value = parseIpv4(group);
      if (value === null) return null;
      words.push(Number(value >> 16n), Number(value & 0xffffn));
    } else if (/^[0-9a-f]{1,4}$/i.test(group)) {
      words.push(parseInt(group, 16));
    } else {
      return null;
    }
  }
  return words;
}
