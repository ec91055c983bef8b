/**
 * POST /v1/calls/{callId}/interim (switch): an interim update on a live call (domain/calls/interim-update.ts).
 * `continue` carries the new total `maxDurationSeconds` (the switch moves its dialog timeout to it) and, when more
 * can be granted later, `interimSeconds` until the next update; `stop` tells the switch to end the call now.
 */
import type { makeInterimUpdate } from '../../domain/calls/interim-update.js';
import { fromMicros } from '../../domain/shared/money.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';

export interface CallInterimPorts {
  readonly interimUpdate: ReturnType<typeof makeInterimUpdate>;
  readonly logger: Logger;
}

export function makeCallInterimEndpoint(ports: CallInterimPorts) {
  return httpEndpoint({ routes: ['POST /v1/calls/{callId}/interim'] }, async ({ body, pathParameters }) => {
    const callId = pathParameters.callId ?? '';
    const outcome = await ports.interimUpdate({ callId, answered: body.answered, elapsedSeconds: body.elapsedSeconds });
    switch (outcome.kind) {
      case 'not-found':
        throw httpErrors.notFound(`no authorization is recorded for call ${callId}`);
      case 'not-allowed':
        throw httpErrors.conflict(`call ${callId} was denied (${outcome.reason}); it is not live`, [{ field: 'callId', message: 'was not allowed' }]);
      case 'completed':
        throw httpErrors.conflict(`call ${callId} is already completed`, [{ field: 'callId', message: 'is completed' }]);
      case 'stop':
        ports.logger.info('interim: stop', { callId, accountId: outcome.accountId, reason: outcome.reason });
        return { status: 200, body: { callId, action: 'stop', reason: outcome.reason } };
      case 'continue':
        ports.logger.info('interim: continue', { callId, accountId: outcome.accountId, maxDurationSeconds: outcome.maxDurationSeconds, extended: outcome.extended, boundBy: outcome.boundBy });
        return {
          status: 200,
          body: {
            callId,
            action: 'continue',
            maxDurationSeconds: outcome.maxDurationSeconds,
            ...(outcome.interimSeconds !== null ? { interimSeconds: outcome.interimSeconds } : {}),
            reserved: fromMicros(outcome.reservedMicros),
            extended: outcome.extended,
            boundBy: outcome.boundBy,
          },
        };
    }
  });
}

