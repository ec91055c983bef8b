/**
 * POST /v1/calls/{callId}/completed: the switch reports an ended call. It is settled once (domain/calls/settle-call.ts):
 * charged per second at the rate authorized for it, its reservation released; a repeated report changes nothing and
 * answers with the first settlement. A call never answered reports durationSeconds 0 and costs nothing.
 */
import type { makeSettleCall, SettleOutcome } from '../../domain/calls/settle-call.js';
import { fromMicros } from '../../domain/shared/money.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';

export interface CallCompletedPorts {
  readonly settleCall: ReturnType<typeof makeSettleCall>;
  readonly logger: Logger;
}

export function makeCallCompletedEndpoint(ports: CallCompletedPorts) {
  return httpEndpoint({ routes: ['POST /v1/calls/{callId}/completed'] }, async ({ body, pathParameters }) => {
    const callId = pathParameters.callId ?? '';
    const outcome = await ports.settleCall({ callId, durationSeconds: body.durationSeconds, endedAt: body.endedAt });
    if (outcome.kind === 'not-found') throw httpErrors.notFound(`no authorization is recorded for call ${callId}`);
    if (outcome.kind === 'not-allowed') {
      throw httpErrors.conflict(`call ${callId} was denied (${outcome.record.reason}); there is nothing to charge`, [{ field: 'callId', message: 'was not allowed' }]);
    }
    if (!outcome.alreadyCompleted) {
      const log = outcome.overrun ? ports.logger.warn : ports.logger.info;
      log.call(ports.logger, outcome.overrun ? 'call settled beyond its grant: charging the reported duration' : 'call settled', {
        callId,
        accountId: outcome.record.accountId,
        durationSeconds: body.durationSeconds,
        grantedSeconds: outcome.record.maxDurationSeconds,
        charged: fromMicros(outcome.completion.chargedMicros),
        becomesKnown: outcome.becomesKnown,
      });
    }
    return { status: 200, body: view(callId, outcome) };
  });
}

function view(callId: string, outcome: Extract<SettleOutcome, { kind: 'settled' }>) {
  return {
    callId,
    accountId: outcome.record.accountId,
    durationSeconds: outcome.completion.durationSeconds,
    endedAt: outcome.completion.endedAt,
    ratePerMinute: outcome.record.destination.ratePerMinute,
    charged: fromMicros(outcome.completion.chargedMicros),
    completedAt: outcome.completion.completedAt,
    alreadyCompleted: outcome.alreadyCompleted,
  };
}
