/** How a caller is named in audit records and events: role and credential id, never the token. */
import type { Principal } from '../../domain/credentials/credential.js';

export function actorOf(principal: Principal | undefined): string {
  return principal ? `${principal.role}:${principal.credentialId}` : 'anonymous';
}
