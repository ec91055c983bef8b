/**
 * API Gateway (HTTP API) Lambda authorizer with simple responses, cached by the Authorization header (and, with a
 * front door, the origin header) for at most
 * CREDENTIAL_REVOCATION_SECONDS (infra/config.ts enforces it), so a revoked or expired credential is refused
 * everywhere within that time.
 * It resolves identity only: a known token yields its role; an unknown one yields role "none", so the handler's
 * middleware answers 401 in the contract's error shape (API Gateway itself answers 401 when the header is missing).
 * Roles and account ownership are enforced in functions/shared/http.ts, the same code the local stack runs.
 *
 * With a front door (config `originHeaderSecret`, TOLLGATE_ORIGIN_HEADER_SECRET), a request must also carry the
 * origin header CloudFront adds (infra/constructs/front-door.ts): one without it (API Gateway answers 401 itself
 * when it is missing, as it is an identity source) or with another value came around CloudFront and WAF, and is
 * refused outright (API Gateway answers 403) before any credential lookup.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { ORIGIN_HEADER } from '../../domain/contract/secrets.js';
import type { CredentialStore } from '../../domain/credentials/ports.js';
import type { Clock } from '../../domain/shared/ports.js';
import type { RuntimeConfig } from '../shared/config.js';
import { principalContext, VerifiedCredentials } from './principal.js';

export interface AuthorizerResult {
  readonly isAuthorized: boolean;
  readonly context: Record<string, string>;
}

export interface AuthorizerPorts {
  readonly credentials: Pick<CredentialStore, 'findWithExpiry'>;
  readonly config: Pick<RuntimeConfig, 'credentialLookupBudgetMs' | 'originHeaderSecret'>;
  readonly clock: Clock;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time whatever the lengths: both sides are hashed to 32 bytes first. */
function originHeaderMatches(expectedDigest: Buffer, received: string | undefined): boolean {
  return received !== undefined && timingSafeEqual(expectedDigest, digest(received));
}

export function makeAuthorizerEndpoint(ports: AuthorizerPorts) {
  const verified = new VerifiedCredentials();
  const secret = ports.config.originHeaderSecret;
  const expectedOrigin = secret === undefined ? undefined : digest(secret);
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => {
    if (expectedOrigin && !originHeaderMatches(expectedOrigin, event.headers?.[ORIGIN_HEADER])) {
      return { isAuthorized: false, context: {} };
    }
    const authorization = event.headers?.authorization ?? event.headers?.Authorization;
    return { isAuthorized: true, context: await principalContext(ports.credentials, authorization, ports.clock.now(), verified, ports.config.credentialLookupBudgetMs) };
  };
}
