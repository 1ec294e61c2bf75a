// Where an outbound request may go (alert webhooks, deployment upstreams). An account chooses its
// webhook URL, so without a check it could make the server call the server's own network (its loopback, the cloud's metadata address, private
// services). Unless the operator allows private targets, an address that is loopback,
// link-local, private, shared (CGNAT), unspecified, multicast or reserved is refused: as a
// literal in the URL, and as what its name resolves to at delivery time (the connection then
// goes to exactly the address checked, so a name that changes its answer cannot slip past).
import { lookup as dnsLookup, promises as dns, type LookupAddress } from 'node:dns';
import { parseIp, parseIpRange, rangeContains, type IpAddress, type IpRange } from './ip';

const REFUSED_RANGES: IpRange[] = [
  '0.0.0.0/8', // "this network", 0.0.0.0
  '10.0.0.0/8', // RFC 1918
  '100.64.0.0/10', // shared address space (CGNAT)
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local (cloud metadata at 169.254.169.254)
  '172.16.0.0/12', // RFC 1918
  '192.0.0.0/24', // IETF protocol assignments
  '192.168.0.0/16', // RFC 1918
  '198.18.0.0/15', // benchmarking
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, and the broadcast address
  '::/128', // unspecified
  '::1/128', // loopback
  'fc00::/7', // unique local
  'fe80::/10', // link-local
  'ff00::/8', // multicast
].map((text) => parseIpRange(text)!);

// IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, the old IPv4-compatible
// form); IPv4-mapped addresses (::ffff:a.b.c.d) are read as IPv4 by parseIp already.
const EMBEDDING_RANGES: IpRange[] = ['64:ff9b::/96', '::/96'].map((text) => parseIpRange(text)!);

export function isRefusedAddress(address: IpAddress): boolean {
  if (REFUSED_RANGES.some((range) => rangeContains(range, address))) return true;
  if (address.family === 6 && EMBEDDING_RANGES.some((range) => rangeContains(range, address))) {
    return isRefusedAddress({ family: 4, value: address.value & 0xffff_ffffn });
  }
  return false;
}

/** The URL's host as an IP address when it is a literal one ("[::1]" included), else null. */
export function literalAddress(url: URL): IpAddress | null {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return parseIp(host);
}

export class RefusedTargetError extends Error {}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http that resolves the name and refuses it when any of its addresses is
 * refused; the connection is made to the address it answers.
 */
export function guardedLookup(hostname: string, options: { all?: boolean; family?: number | string } | undefined, callback: LookupCallback): void {
  dnsLookup(hostname, { all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.find((entry) => {
      const address = parseIp(entry.address);
      return address === null || isRefusedAddress(address);
    });
    if (refused) return callback(new RefusedTargetError(`${hostname} resolves to ${refused.address}, a private, loopback or link-local address`), []);
    if (addresses.length === 0) return callback(new RefusedTargetError(`${hostname} has no address`), []);
    if (options?.all) return callback(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}

/**
 * Why `url` may not be called, or null: its host is a refused literal, does not resolve, or
 * resolves to a refused address (any of them). For URLs checked once when they are saved; a
 * caller that connects later should also connect through guardedLookup where it can.
 */
export async function refusedTargetReason(url: URL): Promise<string | null> {
  const literal = literalAddress(url);
  if (literal !== null) return isRefusedAddress(literal) ? `${url.hostname} is a loopback, link-local or private address` : null;
  let addresses: LookupAddress[];
  try {
    addresses = await dns.lookup(url.hostname, { all: true });
  } catch {
    return `${url.hostname} does not resolve`;
  }
  const refused = addresses.find((entry) => {
    const address = parseIp(entry.address);
    return address === null || isRefusedAddress(address);
  });
  if (refused) return `${url.hostname} resolves to ${refused.address}, a loopback, link-local or private address`;
  return addresses.length === 0 ? `${url.hostname} has no address` : null;
}
