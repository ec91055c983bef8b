import { describe, expect, it } from 'vitest';
import { findMatchingEntry } from '../../../domain/policy/ip-allowlist.js';

describe('findMatchingEntry', () => {
  it('matches an IPv4 source inside a CIDR and an exact address', () => {
    expect(findMatchingEntry('203.0.113.10', ['198.51.100.0/24', '203.0.113.0/24'])).toBe('203.0.113.0/24');
    expect(findMatchingEntry('198.51.100.7', ['198.51.100.7'])).toBe('198.51.100.7');
  });

  it('matches IPv6 and treats an IPv4-mapped source as its IPv4 address', () => {
    expect(findMatchingEntry('2001:db8::5', ['2001:db8::/32'])).toBe('2001:db8::/32');
    expect(findMatchingEntry('::ffff:203.0.113.10', ['203.0.113.0/24'])).toBe('203.0.113.0/24');
  });

  it('never matches outside the range, a malformed entry or a malformed source', () => {
    expect(findMatchingEntry('203.0.114.1', ['203.0.113.0/24'])).toBeUndefined();
    expect(findMatchingEntry('203.0.113.10', ['203.0.113.0/99', 'not-an-ip', '203.0.113.0/x'])).toBeUndefined();
    expect(findMatchingEntry('203.0.113', ['0.0.0.0/0'])).toBeUndefined();
  });

  it('matches everything with /0 of the same family only', () => {
    expect(findMatchingEntry('192.0.2.1', ['0.0.0.0/0'])).toBe('0.0.0.0/0');
    expect(findMatchingEntry('2001:db8::1', ['0.0.0.0/0'])).toBeUndefined();
  });
});
