/** POST /v1/accounts/{accountId}/credits (admin): a manual credit, added atomically to the balance. */
import * as z from 'zod';
import { fromMicros, toMicros } from '../../domain/shared/money.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import { dependencies, resolve, type DependencySource } from '../shared/wiring.js';

const creditSchema = z.object({ amount: z.number().finite().positive().max(1_000_000), note: z.string().max(500).optional() }).strict();

export function makeHandler(source: DependencySource) {
  return httpEndpoint({ body: creditSchema }, async ({ body, pathParameters, principal }) => {
    const deps = resolve(source);
    const accountId = pathParameters.accountId ?? '';
    const account = await deps.accounts.credit(accountId, toMicros(body.amount));
    if (!account) throw httpErrors.notFound(`account ${accountId} does not exist`);
    deps.logger.info('manual credit', { accountId, amount: body.amount, by: principal?.credentialId, note: body.note });
    return { status: 200, body: { accountId, credited: body.amount, balance: fromMicros(account.balanceMicros) } };
  });
}

export const handler = makeHandler(dependencies);
