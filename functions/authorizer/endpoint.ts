/**
 * API Gateway (HTTP API) Lambda authorizer with simple responses, cached by the Authorization header for at most
 * CREDENTIAL_REVOCATION_SECONDS (infra/config.ts enforces it), so a revoked or expired credential is refused
 * everywhere within that time.
 * It resolves identity only: a known token yields its role; an unknown one yields role "none", so the handler's
 * middleware answers 401 in the contract's error shape (API Gateway itself answers 401 when the header is missing).
 * Roles and account ownership are enforced in functions/shared/http.ts, the same code the local stack runs.
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
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
  readonly config: Pick<RuntimeConfig, 'credentialLookupBudgetMs'>;
  readonly clock: Clock;
}

export function makeAuthorizerEndpoint(ports: AuthorizerPorts) {
  const verified = new VerifiedCredentials();
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => {
    const authorization = event.headers?.authorization ?? event.headers?.Authorization;
    return { isAuthorized: true, context: await principalContext(ports.credentials, authorization, ports.clock.now(), verified, ports.config.credentialLookupBudgetMs) };
  };
}

