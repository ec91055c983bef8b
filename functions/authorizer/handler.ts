/**
 * API Gateway (HTTP API) Lambda authorizer with simple responses, cached by the Authorization header for at most
 * CREDENTIAL_REVOCATION_SECONDS (infra/config.ts enforces it), so a revoked or expired credential is refused
 * everywhere within that time.
 * It resolves identity only: a known token yields its role; an unknown one yields role "none", so the handler's
 * middleware answers 401 in the contract's error shape (API Gateway itself answers 401 when the header is missing).
 * Roles and account ownership are enforced in functions/shared/http.ts, the same code the local stack runs.
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import type { CredentialRepository } from '../adapters/dynamodb/credential-repository.js';
import { dependencies, resolve, type DependencySource } from '../shared/wiring.js';

export interface AuthorizerResult {
  readonly isAuthorized: boolean;
  readonly context: Record<string, string>;
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** An unknown, revoked or expired token yields role "none": the handler answers 401. */
export async function principalContext(credentials: CredentialRepository, authorization: string | undefined, now: Date): Promise<Record<string, string>> {
  const token = bearerToken(authorization);
  const principal = token ? await credentials.findByToken(token, now) : undefined;
  if (!principal) return { role: 'none' };
  return { role: principal.role, credentialId: principal.credentialId, ...(principal.accountId ? { accountId: principal.accountId } : {}) };
}

export function makeHandler(source: DependencySource) {
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => {
    const deps = resolve(source);
    const authorization = event.headers?.authorization ?? event.headers?.Authorization;
    return { isAuthorized: true, context: await principalContext(deps.credentials, authorization, deps.clock.now()) };
  };
}

export const handler = makeHandler(dependencies);
