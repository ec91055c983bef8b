import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { ORIGIN_HEADER } from '../../../domain/contract/secrets.js';
import { makeAuthorizerEndpoint } from '../../../functions/authorizer/endpoint.js';
import { readConfig } from '../../../functions/shared/config.js';

const TOKEN = 'tg_live_token';
const SECRET = 'a-long-random-origin-header-secret-0123456789';

function endpoint(originHeaderSecret: string | undefined) {
  const findWithExpiry = vi.fn(async (token: string) =>
    token === TOKEN ? { principal: { role: 'admin' as const, credentialId: 'cred-1' }, expiresAt: null } : undefined,
  );
  const authorize = makeAuthorizerEndpoint({
    credentials: { findWithExpiry },
    config: { credentialLookupBudgetMs: 1_000, originHeaderSecret },
    clock: { now: () => new Date('2026-01-01T00:00:00Z') },
  });
  return { authorize, findWithExpiry };
}

function request(headers: Record<string, string>): APIGatewayRequestAuthorizerEventV2 {
  return { headers } as unknown as APIGatewayRequestAuthorizerEventV2;
}

describe('the authorizer with a front door (an origin header secret configured)', () => {
  it('accepts a request carrying the right origin header and resolves its credential', async () => {
    const { authorize } = endpoint(SECRET);
    expect(await authorize(request({ authorization: `Bearer ${TOKEN}`, [ORIGIN_HEADER]: SECRET }))).toEqual({
      isAuthorized: true,
      context: { role: 'admin', credentialId: 'cred-1' },
    });
  });

  it.each([
    ['missing', {}],
    ['empty', { [ORIGIN_HEADER]: '' }],
    ['wrong', { [ORIGIN_HEADER]: 'a-long-random-origin-header-secret-0123456788' }],
    ['a prefix of the secret', { [ORIGIN_HEADER]: SECRET.slice(0, -1) }],
    ['the secret with more after it', { [ORIGIN_HEADER]: `${SECRET}x` }],
  ])('refuses a request whose origin header is %s, without looking its credential up', async (_, origin) => {
    const { authorize, findWithExpiry } = endpoint(SECRET);
    expect(await authorize(request({ authorization: `Bearer ${TOKEN}`, ...origin }))).toEqual({ isAuthorized: false, context: {} });
    expect(findWithExpiry).not.toHaveBeenCalled();
  });

  it('still answers role "none" (the contract 401) for an unknown credential that came through CloudFront', async () => {
    const { authorize } = endpoint(SECRET);
    expect(await authorize(request({ authorization: 'Bearer nope', [ORIGIN_HEADER]: SECRET }))).toEqual({ isAuthorized: true, context: { role: 'none' } });
  });
});

describe('the authorizer without a front door (no origin header secret)', () => {
  it.each([
    ['absent', {}],
    ['present with any value', { [ORIGIN_HEADER]: 'whatever' }],
  ])('ignores the origin header when it is %s', async (_, origin) => {
    const { authorize } = endpoint(undefined);
    expect(await authorize(request({ authorization: `Bearer ${TOKEN}`, ...origin }))).toEqual({ isAuthorized: true, context: { role: 'admin', credentialId: 'cred-1' } });
  });
});

describe('TOLLGATE_ORIGIN_HEADER_SECRET', () => {
  it('is unset by default, read when set, and refused when too short to be a secret', () => {
    expect(readConfig({}).originHeaderSecret).toBeUndefined();
    expect(readConfig({ TOLLGATE_ORIGIN_HEADER_SECRET: SECRET }).originHeaderSecret).toBe(SECRET);
    expect(() => readConfig({ TOLLGATE_ORIGIN_HEADER_SECRET: 'short' })).toThrow(/TOLLGATE_ORIGIN_HEADER_SECRET/);
  });
});
