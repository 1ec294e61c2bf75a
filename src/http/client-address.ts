// The address a request comes from: the socket's peer, or, when that peer is a proxy the
// operator trusts ([server] trusted_proxies), the client the proxies name in X-Forwarded-For.
// The header is read from the right: each proxy appends the peer it saw, so the first entry,
// walking leftwards, that is not a trusted proxy is the client; anything further left is
// whatever the client chose to send, and believing it would let anyone pick their address.
import { parseIp, rangeContains, type IpAddress, type IpRange } from '../shared/ip';

/** Entries of X-Forwarded-For looked at, at most: more proxies than this in a row is a header to distrust. */
const FORWARDED_HOPS_MAX = 32;

export function clientAddress(socketAddress: string | null, forwardedFor: string | null, trustedProxies: readonly IpRange[]): IpAddress | null {
  const socket = socketAddress === null ? null : parseIp(socketAddress);
  if (!socket) return null;
  const trusted = (address: IpAddress) => trustedProxies.some((range) => rangeContains(range, address));
  if (!trusted(socket) || !forwardedFor) return socket;
  const hops = forwardedFor.split(',').slice(-FORWARDED_HOPS_MAX);
  let client = socket;
  for (let index = hops.length - 1; index >= 0; index--) {
    const hop = parseForwardedHop(hops[index]!.trim());
    // A trusted proxy wrote something that is no address: count the request under that proxy.
    if (!hop) return client;
    client = hop;
    if (!trusted(hop)) return hop;
  }
  return client;
}

/** An X-Forwarded-For entry: an address, possibly bracketed (IPv6) and with a port, as some proxies write it. */
function parseForwardedHop(text: string): IpAddress | null {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return parseIp(bracketed[1]!);
  const withPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(text);
  return parseIp(withPort ? withPort[1]! : text);
}
