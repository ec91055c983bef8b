/**
 * A decision when the database cannot be reached in time (the configured fail mode, TOLLGATE_FAIL_MODE). It still
 * applies everything the process holds in memory: the bans, the rate deck, the high-risk list and the last state it
 * read of the account. An unknown or suspended account, a banned source, a blocked, restricted or high-risk
 * destination, a rate above the maximum are refused as usual; only a call the engine would allow on that state is
 * allowed (fail mode `allow`, for at most the fail-open duration and with no interim updates) or refused with
 * SERVICE_DEGRADED, 603 (fail mode `deny`). A caller whose credential could not be verified is always refused.
 */
import type { Account } from '../accounts/account.js';
import { activeCalls, openReservationsMicros, type AccountLedger } from '../calls/ledger.js';
import type { RateDeck } from '../rate-deck/rate-deck.js';
import type { AuthorizationRequest } from './authorization-request.js';
import { stepOf, type CallDecision, type DegradedCause, type DegradedNote, type EngineDenyReason, type NotedRuleEvidence, type RuleEvidence } from './decision.js';
import { evaluateCall, NO_ACTIVITY, NO_USAGE, type ActiveBan, type DecisionSettings, type ResolvedCallTarget } from './evaluate-call.js';
import type { PrefixSet } from './prefix-set.js';

export interface DegradedInput {
  readonly request: AuthorizationRequest;
  readonly target: ResolvedCallTarget;
  /** The last state this process read of the account, whatever its age; undefined when it never read it. */
  readonly account: Account | undefined;
  readonly ledger: AccountLedger | undefined;
  readonly activeBan: ActiveBan | undefined;
  readonly rateDeck: RateDeck | undefined;
  readonly highRiskPrefixes: PrefixSet | undefined;
  /** The carrier-wide restricted ranges as last loaded (none when never loaded). */
  readonly restrictedRanges?: readonly string[] | undefined;
  readonly now: Date;
  readonly settings: DecisionSettings;
  readonly failMode: 'deny' | 'allow';
  readonly failOpenMaxSeconds: number;
  /** Why the database was not used: 'unavailable' (it failed or missed the budget) or 'unverified-credential'. */
  readonly cause: DegradedCause;
}

export function degradedDecision(input: DegradedInput): CallDecision {
  const serviceDegraded = (detail: string, wouldAllow?: { readonly wouldAllow: true }): CallDecision => {
    const sip = input.settings.sipResponses.SERVICE_DEGRADED;
    return {
      decision: 'deny',
      reason: 'SERVICE_DEGRADED',
      sipCode: sip.code,
      sipReason: sip.reason,
      accountId: input.account?.accountId ?? null,
      destination: null,
      maxDurationSeconds: null,
      interimSeconds: null,
      rule: { rule: 'SERVICE_DEGRADED', step: stepOf('SERVICE_DEGRADED'), detail, evidence: { failMode: input.failMode, cause: input.cause, ...wouldAllow } },
    };
  };
  if (input.cause === 'unverified-credential') {
    return serviceDegraded('the credential could not be verified while the database is unavailable: never allowed');
  }
  if (!input.rateDeck || !input.highRiskPrefixes) {
    return serviceDegraded('Tollgate is degraded and holds no rate deck or high-risk list to decide on');
  }
  const decision = evaluateCall({
    request: input.request,
    target: input.target,
    account: input.account,
    activeBan: input.activeBan,
    // What the live calls held when last read still counts; nothing new can be reserved while degraded.
    usage: input.ledger
      ? { ...NO_USAGE, concurrentCalls: activeCalls(input.ledger, input.now.getTime()).length, reservedMicros: openReservationsMicros(input.ledger, input.now.getTime()) }
      : NO_USAGE,
    activity: NO_ACTIVITY,
    now: input.now,
    rateDeck: input.rateDeck,
    highRiskPrefixes: input.highRiskPrefixes,
    ...(input.restrictedRanges ? { restrictedRanges: input.restrictedRanges } : {}),
    settings: input.settings,
  });
  const degraded: DegradedNote = { degraded: true, cause: input.cause, decidedOn: input.account ? 'the last state this process read' : 'no account state' };
  const { rule } = decision;
  if (rule.rule !== 'ALLOWED') return { ...decision, rule: noted(rule, degraded) };
  if (input.failMode === 'deny') return serviceDegraded('Tollgate is degraded; fail mode deny', { wouldAllow: true });
  const maxDurationSeconds = Math.min(decision.maxDurationSeconds ?? input.failOpenMaxSeconds, input.failOpenMaxSeconds);
  return {
    ...decision,
    maxDurationSeconds,
    interimSeconds: null,
    rule: {
      rule: 'SERVICE_DEGRADED',
      step: 0,
      detail: `Tollgate is degraded; fail mode allow for at most ${maxDurationSeconds}s, decided on what this process holds`,
      evidence: { ...degraded, failMode: 'allow', failOpenMaxSeconds: input.failOpenMaxSeconds, balanceCheckedOn: 'the last state read, nothing reserved' },
    },
  };
}

/** The engine's denial, its evidence followed by the note that it was made without the database. */
function noted<R extends EngineDenyReason>(rule: RuleEvidence<R>, note: DegradedNote): NotedRuleEvidence<R> {
  return { ...rule, evidence: { ...rule.evidence, ...note } };
}
