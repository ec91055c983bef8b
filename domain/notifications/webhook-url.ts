/**
 * Where Tollgate may send a customer's webhooks. A customer sets the URL, Tollgate's notifier calls it from inside
 * the carrier's network: without these rules a customer could make Tollgate POST (signed) to the carrier's own
 * services, a cloud metadata endpoint or a database admin port (server-side request forgery).
 *
 * The rules are checked twice: on the URL when it is set (IP literals, `localhost` names, the scheme), and by the
 * webhook adapter on every address the host name resolves to at delivery, connecting only to a checked address.
 */
import ipaddr from 'ipaddr.js';

export interface WebhookTargetRules {
  /** Loopback, private and other non-public targets are allowed (the local stage, where receivers run on 127.0.0.1). */
  readonly allowPrivateTargets: boolean;
  /** Only https (staging and prod: the signed body must not travel in clear text). */
  readonly requireHttps: boolean;
}

/**
 * The range name of an address that is not a public unicast address, or undefined for a public one. Everything
 * ipaddr.js does not classify as plain `unicast` is refused: loopback, private (RFC 1918), link-local, unique-local
 * (fc00::/7), IPv4-mapped IPv6, unspecified, carrier-grade NAT (100.64/10), multicast, broadcast, documentation and
 * benchmarking ranges, and the IPv6 forms that embed an IPv4 address (NAT64, 6to4, Teredo), which could carry a
 * private one.
 */
export function nonPublicRange(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(bare)) return 'not an IP address';
  // parse, not process: process() would turn ::ffff:10.0.0.1 into 10.0.0.1 and hide that the form itself is refused.
  const range = ipaddr.parse(bare).range();
  return range === 'unicast' ? undefined : range;
}

/** The URL's host as a bare name or address: no IPv6 brackets, no trailing root dot, lower case. */
export function webhookHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
}

/** Why this URL may not receive webhooks, or undefined when it may. */
export function webhookUrlProblem(rawUrl: string, rules: WebhookTargetRules): string | undefined {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (rules.requireHttps && url.protocol !== 'https:') return 'must use https on this stage';
  if (rules.allowPrivateTargets) return undefined;
  const host = webhookHost(url);
  if (host === 'localhost' || host.endsWith('.localhost')) return 'must not point at localhost';
  // The URL parser has already turned the other spellings of an address (0x7f.1, 2130706433) into dotted decimal.
  if (ipaddr.isValid(host)) {
    const range = nonPublicRange(host);
    if (range) return `must not point at a non-public address (${host} is ${range})`;
  }
  return undefined;
}
