/** IP-based authentication: is a source address inside one of the account's allowed addresses or CIDR blocks? */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
interface ParsedEntry {
  readonly network: Address;
  readonly bits: number;
}

export function isValidIpOrCidr(value: string): boolean {
  return value.includes('/') ? ipaddr.isValidCIDR(value) : ipaddr.isValid(value);
}

/**
 * Allow-list entries parsed once per process: parsing dominated the decision engine's cost (ipaddr's CIDR parser
 * tries IPv6 first and throws for IPv4). Policies are few and change rarely; the memo is bounded all the same.
 */
const parsedEntries = new Map<string, ParsedEntry | null>();
const MAX_MEMO_ENTRIES = 50_000;

/** Returns the allow-list entry that matches, or undefined. Malformed entries never match. */
export function findMatchingEntry(sourceIp: string, allowList: readonly string[]): string | undefined {
  const source = parseAddress(sourceIp);
  if (!source) return undefined;
  for (const entry of allowList) {
    const parsed = parseEntry(entry);
    if (parsed && parsed.network.kind() === source.kind() && source.match(parsed.network, parsed.bits)) return entry;
  }
  return undefined;
}

function parseAddress(value: string): Address | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(value)) return ipaddr.IPv4.parse(value);
  if (!ipaddr.IPv6.isValid(value)) return undefined;
  return normalise(ipaddr.IPv6.parse(value));
}

function parseEntry(entry: string): ParsedEntry | null {
  let parsed = parsedEntries.get(entry);
  if (parsed !== undefined) return parsed;
  parsed = null;
  const [address, bitsText] = entry.split('/');
  const network = parseAddress(address ?? '');
  if (network) {
    const maxBits = network.kind() === 'ipv4' ? 32 : 128;
    const mappedOffset = network.kind() === 'ipv4' && address?.includes(':') ? 96 : 0; // ::ffff:a.b.c.d/120
    const bits = bitsText === undefined ? maxBits : Number(bitsText) - mappedOffset;
    if (Number.isInteger(bits) && bits >= 0 && bits <= maxBits && (bitsText === undefined || /^\d{1,3}$/.test(bitsText))) parsed = { network, bits };
  }
  if (parsedEntries.size >= MAX_MEMO_ENTRIES) parsedEntries.clear();
  parsedEntries.set(entry, parsed);
  return parsed;
}

/** An IPv4-mapped IPv6 address (::ffff:203.0.113.10) is the IPv4 address it maps. */
function normalise(address: Address): Address {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (address as ipaddr.IPv6).toIPv4Address();
  }
  return address;
}

/** The width of an allow-list entry: its family and prefix length (a single address is /32 or /128). */
export function entryWidth(entry: string): { readonly family: 'ipv4' | 'ipv6'; readonly bits: number } | undefined {
  const parsed = parseEntry(entry);
  return parsed ? { family: parsed.network.kind() === 'ipv4' ? 'ipv4' : 'ipv6', bits: parsed.bits } : undefined;
}
