/** POST /v1/accounts/{accountId}/credits (admin): a manual credit, added atomically to the balance. */
import { fromMicros, toMicros } from '../../domain/shared/money.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import type { Logger } from '../shared/logger.js';

export interface CreditsPorts {
  readonly accounts: Pick<AccountStore, 'credit'>;
  readonly logger: Logger;
}

export function makeCreditsEndpoint(ports: CreditsPorts) {
  return httpEndpoint({ routes: ['POST /v1/accounts/{accountId}/credits'] }, async ({ body, pathParameters, principal }) => {
    const accountId = pathParameters.accountId ?? '';
    const account = await ports.accounts.credit(accountId, toMicros(body.amount));
    if (!account) throw httpErrors.notFound(`account ${accountId} does not exist`);
    ports.logger.info('manual credit', { accountId, amount: body.amount, by: principal?.credentialId, note: body.note });
    return { status: 200, body: { accountId, credited: body.amount, balance: fromMicros(account.balanceMicros) } };
  });
}

