/**
 * GET /v1/calls/to-end (switch, reviewer, admin): the live calls a switch must end now (domain/calls/calls-to-end.ts),
 * as JSON or, with `?format=text`, one Call-ID a line for a script. Pulled every second; a call leaves the list
 * when it is settled or its account no longer requires it.
 * GET /v1/accounts/{accountId}/calls (owner, reviewer, admin): the account's live calls with their reservations.
 */
import type { makeListAccountCalls } from '../../domain/calls/account-calls.js';
import type { makeListCallsToEnd } from '../../domain/calls/calls-to-end.js';
import type { Clock } from '../../domain/shared/ports.js';
import { fromMicros } from '../../domain/shared/money.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';

export interface CallsPorts {
  readonly listCallsToEnd: ReturnType<typeof makeListCallsToEnd>;
  readonly listAccountCalls: ReturnType<typeof makeListAccountCalls>;
  readonly clock: Clock;
}

export function makeCallsEndpoint(ports: CallsPorts) {
  return httpEndpoint({ routes: ['GET /v1/calls/to-end', 'GET /v1/accounts/{accountId}/calls'] }, async ({ route, query, pathParameters }) => {
    if (route.path === '/v1/calls/to-end') {
      const calls = await ports.listCallsToEnd();
      if (query.format === 'text') return { status: 200, text: calls.map((call) => `${call.callId}\n`).join('') };
      return { status: 200, body: { calls, count: calls.length, generatedAt: ports.clock.now().toISOString() } };
    }
    const accountId = pathParameters.accountId ?? '';
    const listed = await ports.listAccountCalls(accountId);
    if (!listed) throw httpErrors.notFound(`account ${accountId} does not exist`);
    const calls = listed.calls.map(({ reservedMicros, ...call }) => ({ ...call, reserved: fromMicros(reservedMicros) }));
    return { status: 200, body: { accountId, calls, count: calls.length, reserved: fromMicros(listed.reservedMicros) } };
  });
}
