/**
 * POST /v1/accounts/{accountId}/what-if (owner, reviewer, admin): `{ policy, from, to }` replays the span's stored
 * decisions with the proposed policy. POST /v1/what-if (admin): `{ detection, from, to, accounts? }` replays them with
 * proposed carrier-wide detection thresholds over every account (or those named). Read-only
 * (domain/policy/run-what-if.ts); the answer states what the replay approximates.
 */
import type * as z from 'zod';
import { accountWhatIfSchema, APPROXIMATIONS, carrierWhatIfSchema, type makeWhatIf } from '../../domain/policy/run-what-if.js';
import { HttpError, httpEndpoint, httpErrors } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';

export interface WhatIfEndpointPorts {
  readonly whatIf: ReturnType<typeof makeWhatIf>;
  readonly logger: Logger;
}

const tooLarge = (message: string) => new HttpError(413, 'TOO_MUCH_TO_REPLAY', message, [{ field: 'to', message }]);

export function makeWhatIfEndpoint(ports: WhatIfEndpointPorts) {
  // The two routes take different bodies, each validated by the edge with its own registry entry.
  return httpEndpoint({ routes: ['POST /v1/accounts/{accountId}/what-if', 'POST /v1/what-if'] }, async ({ body, pathParameters, route }) => {
    const started = Date.now();
    if (route.path === '/v1/what-if') {
      const request = body as z.output<typeof carrierWhatIfSchema>;
      const outcome = await ports.whatIf.carrier(request);
      if (outcome.kind === 'invalid') throw httpErrors.badRequest('the request body is invalid', outcome.problems);
      if (outcome.kind === 'too-large') throw tooLarge(outcome.message);
      ports.logger.info('carrier what-if', { accounts: outcome.totals.accounts, evaluated: outcome.totals.evaluated, ms: Date.now() - started });
      return { status: 200, body: { from: request.from, to: request.to, detection: outcome.detection, totals: outcome.totals, accounts: outcome.accounts, approximations: APPROXIMATIONS } };
    }
    const accountId = pathParameters.accountId ?? '';
    const request = body as z.output<typeof accountWhatIfSchema>;
    const outcome = await ports.whatIf.account(accountId, request);
    if (outcome.kind === 'not-found') throw httpErrors.notFound(`account ${accountId} does not exist`);
    if (outcome.kind === 'invalid') throw httpErrors.badRequest('the proposed policy is invalid', outcome.problems);
    if (outcome.kind === 'too-large') throw tooLarge(outcome.message);
    const { result } = outcome;
    ports.logger.info('account what-if', { accountId, evaluated: result.evaluated, changed: result.changed, ms: Date.now() - started });
    return {
      status: 200,
      body: {
        accountId,
        from: request.from,
        to: request.to,
        effectivePolicy: outcome.policy,
        evaluated: result.evaluated,
        kept: result.kept,
        changed: result.changed,
        newlyDeniedCount: result.newlyDeniedCount,
        newlyAllowedCount: result.newlyAllowedCount,
        newlyDenied: result.newlyDenied,
        newlyAllowed: result.newlyAllowed,
        byReason: result.byReason,
        spendAvoided: result.spendAvoided,
        spendAvoidedBasis: result.spendAvoidedBasis,
        approximations: [...APPROXIMATIONS, ...(result.rebuiltCounters > 0 ? [`${result.rebuiltCounters} record(s) predate the stored counters: theirs were rebuilt from the span`] : [])],
      },
    };
  });
}
