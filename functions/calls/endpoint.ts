/**
 * GET /v1/calls/to-end (switch, reviewer, admin): the live calls a switch must end now (domain/calls/calls-to-end.ts),
 * as JSON or, with `?format=text`, one Call-ID a line for a script. Pulled every second; a call leaves the list
 * when it is settled or its account no longer requires it.
 * GET /v1/accounts/{accountId}/calls (owner, reviewer, admin): the account's live calls with their reservations.
 */
import * as z from 'zod';
import { makeListCallsToEnd } from '../../domain/calls/calls-to-end.js';
import { activeCalls } from '../../domain/calls/ledger.js';
import { reasonToEnd } from '../../domain/calls/live-call-control.js';
import { fromMicros } from '../../domain/shared/money.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { Runtime } from '../shared/runtime.js';
import type { DynamoLiveCallStore } from '../adapters/dynamodb/live-call-store.js';

const querySchema = z.object({ format: z.enum(['json', 'text']).optional() }).strict();

export interface CallsPorts {
  readonly liveCalls: DynamoLiveCallStore;
  readonly clock: Runtime['clock'];
}

export function makeCallsEndpoint(ports: CallsPorts) {
  let listCallsToEnd: ReturnType<typeof makeListCallsToEnd> | undefined;
  return httpEndpoint({ query: querySchema }, async ({ route, query, pathParameters }) => {
    const now = ports.clock.now();
    if (route.path === '/v1/calls/to-end') {
      listCallsToEnd ??= makeListCallsToEnd({ store: ports.liveCalls, clock: ports.clock });
      const calls = await listCallsToEnd();
      if (query.format === 'text') return { status: 200, text: calls.map((call) => `${call.callId}\n`).join('') };
      return { status: 200, body: { calls, count: calls.length, generatedAt: now.toISOString() } };
    }

    const accountId = pathParameters.accountId ?? '';
    const snapshot = await ports.liveCalls.readAccount(accountId);
    if (!snapshot) throw httpErrors.notFound(`account ${accountId} does not exist`);
    const live = activeCalls(snapshot.ledger, now.getTime());
    const records = await ports.liveCalls.loadCalls(live.map((call) => call.callId));
    const calls = live.map((call) => {
      const record = records.get(call.callId)?.record;
      const destination = record?.destination ?? null;
      return {
        callId: call.callId,
        destination,
        authorizedAt: record?.decidedAt ?? null,
        grantedSeconds: call.grantedSeconds,
        reserved: fromMicros(call.reservedMicros),
        expiresAt: new Date(call.expiresAtMs).toISOString(),
        toEnd: reasonToEnd(snapshot.account, snapshot.ledger, destination ?? { country: '', e164: '' }),
      };
    });
    return { status: 200, body: { accountId, calls, count: calls.length, reserved: fromMicros(calls.reduce((sum, call) => sum + Math.round(call.reserved * 1e6), 0)) } };
  });
}

