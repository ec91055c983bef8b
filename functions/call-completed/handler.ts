/**
 * POST /v1/calls/{callId}/completed: the switch reports an ended call. It is charged once, per second at the
 * rate authorized for it; a repeated report changes nothing and answers with the original charge.
 */
import * as z from 'zod';
import { chargeMicrosFor } from '../../domain/balance/charge.js';
import { knownCountry } from '../../domain/profiling/destination-detection.js';
import { fromMicros } from '../../domain/shared/money.js';
import { CallCompletionStore, type StoredCompletion } from '../adapters/dynamodb/call-completion-store.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import { dependencies, resolve, type DependencySource } from '../shared/wiring.js';

const completionSchema = z
  .object({
    durationSeconds: z.number().int().min(0).max(86_400),
    endedAt: z.iso.datetime({ offset: true }),
  })
  .strict();

export function makeHandler(source: DependencySource) {
  let store: CallCompletionStore | undefined;
  return httpEndpoint({ body: completionSchema }, async ({ body, pathParameters }) => {
    const deps = resolve(source);
    store ??= new CallCompletionStore(deps.client, deps.config.tableName);
    const callId = pathParameters.callId ?? '';
    const call = await store.load(callId, (decision) => decision.destination?.country);
    if (!call) throw httpErrors.notFound(`no authorization is recorded for call ${callId}`);
    const { decision } = call;
    if (decision.decision !== 'allow' || !decision.destination || !decision.accountId) {
      throw httpErrors.conflict(`call ${callId} was denied (${decision.reason}); there is nothing to charge`, [{ field: 'callId', message: 'was not allowed' }]);
    }
    if (call.completion) return { status: 200, body: view(callId, decision.accountId, decision.destination.ratePerMinute, call.completion, true) };

    const now = deps.clock.now();
    if (decision.maxDurationSeconds !== null && body.durationSeconds > decision.maxDurationSeconds) {
      deps.logger.warn('call ran past its authorized maximum; charging the reported duration', {
        callId,
        accountId: decision.accountId,
        durationSeconds: body.durationSeconds,
        maxDurationSeconds: decision.maxDurationSeconds,
      });
    }
    const completion: StoredCompletion = {
      durationSeconds: body.durationSeconds,
      endedAt: body.endedAt,
      chargedMicros: chargeMicrosFor(body.durationSeconds, decision.destination.ratePerMinute),
      completedAt: now.toISOString(),
    };
    const profile = call.countryProfile ?? { completedCalls: 0, firstCompletedAt: undefined };
    const firstCompletedMs = profile.firstCompletedAt ? Date.parse(profile.firstCompletedAt) : now.getTime();
    const becomesKnown = body.durationSeconds > 0 && knownCountry(profile.completedCalls + 1, firstCompletedMs, now.getTime(), deps.config.detection);
    const stored = await store.complete({ decision, completion, becomesKnown, shard: Math.floor(Math.random() * deps.config.counterShards) });
    if (!stored) {
      const again = await store.load(callId, () => undefined);
      if (again?.completion) return { status: 200, body: view(callId, decision.accountId, decision.destination.ratePerMinute, again.completion, true) };
    }
    deps.logger.info('call charged', { callId, accountId: decision.accountId, durationSeconds: body.durationSeconds, charged: fromMicros(completion.chargedMicros), becomesKnown });
    return { status: 200, body: view(callId, decision.accountId, decision.destination.ratePerMinute, completion, false) };
  });
}

export const handler = makeHandler(dependencies);

function view(callId: string, accountId: string, ratePerMinute: number, completion: StoredCompletion, alreadyCompleted: boolean) {
  return {
    callId,
    accountId,
    durationSeconds: completion.durationSeconds,
    endedAt: completion.endedAt,
    ratePerMinute,
    charged: fromMicros(completion.chargedMicros),
    completedAt: completion.completedAt,
    alreadyCompleted,
  };
}
