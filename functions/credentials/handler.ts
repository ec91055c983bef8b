/** POST /v1/credentials (admin): issues a bearer credential for a role. The token is shown once; only its hash is kept. */
import { issueCredentialSchema } from '../../domain/credentials/credential.js';
import { generateToken } from '../adapters/dynamodb/credential-repository.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import { dependencies, resolve, type DependencySource } from '../shared/wiring.js';

export function makeHandler(source: DependencySource) {
  return httpEndpoint({ body: issueCredentialSchema }, async ({ body, principal }) => {
    const deps = resolve(source);
    if (body.accountId && !(await deps.accounts.get(body.accountId))) {
      throw httpErrors.notFound(`account ${body.accountId} does not exist`);
    }
    const { token, credentialId } = generateToken();
    const issued = { role: body.role, credentialId, ...(body.accountId ? { accountId: body.accountId } : {}) };
    await deps.credentials.save(token, issued, deps.clock.now().toISOString(), body.label);
    deps.logger.info('credential issued', { ...issued, by: principal?.credentialId });
    return { status: 201, body: { token, ...issued } };
  });
}

export const handler = makeHandler(dependencies);
