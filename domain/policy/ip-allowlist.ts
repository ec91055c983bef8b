/** IP-based authentication: is a source address inside one of the account's allowed addresses or CIDR blocks? */
import ipaddr from 'ipaddr.js';

export function isValidIpOrCidr(value: string): boolean {
  return value.includes('/') ? ipaddr.isValidCIDR(value) : ipaddr.isValid(value);
}

/** Returns the allow-list entry that matches, or undefined. Malformed entries never match. */
export function findMatchingEntry(sourceIp: string, allowList: readonly string[]): string | undefined {
  if (!ipaddr.isValid(sourceIp)) return undefined;
  const source = normalise(ipaddr.parse(sourceIp));
  for (const entry of allowList) {
    if (entry.includes('/')) {
      if (!ipaddr.isValidCIDR(entry)) continue;
      const [network, bits] = ipaddr.parseCIDR(entry);
      if (network.kind() === source.kind() && source.match(network, bits)) return entry;
    } else if (ipaddr.isValid(entry) && normalise(ipaddr.parse(entry)).toString() === source.toString()) {
      return entry;
    }
  }
  return undefined;
}

/** An IPv4-mapped IPv6 address (::ffff:203.0.113.10) is the IPv4 address it maps. */
function normalise(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (address as ipaddr.IPv6).toIPv4Address();
  }
  return address;
}
