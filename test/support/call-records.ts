/**
 * Decision records as authorize stores them, for the live-call use cases. Each is built from the engine's own
 * decision on the fixtures, so its rule and evidence have whatever shape the engine gives them; a test sets only
 * the grant it needs.
 */
import type { Account } from '../../domain/accounts/account.js';
import type { DecisionRecord } from '../../domain/policy/authorize-call.js';
import { evaluateCall, NO_ACTIVITY, NO_USAGE, resolveCallTarget } from '../../domain/policy/evaluate-call.js';
import { PrefixSet } from '../../domain/policy/prefix-set.js';
import { account, fixtureDeck, policy, request, SETTINGS } from './fixtures.js';

/** A GB mobile number: 0.03 a minute in the fixture deck, 500 micros a second. */
export const GB_MOBILE = '+447700900123';

/** Acme with international calling on, so that a call to GB_MOBILE is allowed. */
export function internationalAccount(overrides: Partial<Account> = {}): Account {
  return account({ policy: policy({ internationalEnabled: true }), ...overrides });
}

function recordFor(callId: string, decidedAt: string, caller: Account): DecisionRecord {
  const req = request({ callId, to: GB_MOBILE });
  const decision = evaluateCall({
    request: req,
    target: resolveCallTarget(req),
    account: caller,
    activeBan: undefined,
    rateDeck: fixtureDeck(),
    highRiskPrefixes: new PrefixSet([]),
    usage: NO_USAGE,
    activity: NO_ACTIVITY,
    now: new Date(decidedAt),
    settings: SETTINGS,
  });
  return {
    ...decision,
    decisionId: `decision-${callId}`,
    callId,
    decidedAt,
    request: { to: req.to, from: req.from, sourceIp: req.sourceIp, authMethod: req.authMethod, accountId: caller.accountId },
  };
}

/** An allowed call to GB_MOBILE granted `grant` (talk seconds, and when its interim update is due). */
export function allowedRecord(callId: string, decidedAt: string, grant: { readonly maxDurationSeconds: number; readonly interimSeconds: number | null }): DecisionRecord {
  const record = recordFor(callId, decidedAt, internationalAccount());
  if (record.decision !== 'allow') throw new Error(`fixture call ${callId} was not allowed: ${record.reason}`);
  return { ...record, ...grant };
}

/** A call to GB_MOBILE denied because the account was suspended. */
export function deniedRecord(callId: string, decidedAt: string): DecisionRecord {
  const record = recordFor(callId, decidedAt, internationalAccount({ status: 'suspended' }));
  if (record.decision !== 'deny') throw new Error(`fixture call ${callId} was not denied`);
  return record;
}
