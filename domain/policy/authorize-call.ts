/**
 * The authorize use case.
 *  1. Work out who is calling (account id, tech prefix, SIP username) from the request alone.
 *  2. Load what the decision needs in one round of parallel reads: the account, an active ban on the source IP,
 *     the account's usage (AuthorizationStore.loadContext).
 *  3. Decide with the pure engine against the in-memory rate deck and high-risk list.
 *  4. Record the decision under its callId, unless that callId was decided before: then the earlier decision is
 *     returned unchanged, which makes retries from the switch idempotent.
 */
import type { Account } from '../accounts/account.js';
import type { RateDeck } from '../rate-deck/rate-deck.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import type { AuthorizationRequest } from './authorization-request.js';
import type { CallDecision } from './decision.js';
import {
  evaluateCall,
  resolveCallTarget,
  type AccountKey,
  type AccountUsage,
  type ActiveBan,
  type DecisionSettings,
} from './evaluate-call.js';
import type { PrefixSet } from './prefix-set.js';

export interface DecisionRecord extends CallDecision {
  readonly decisionId: string;
  readonly callId: string;
  readonly decidedAt: string;
  readonly request: {
    readonly to: string;
    readonly from: string;
    readonly sourceIp: string;
    readonly authMethod: 'ip' | 'digest';
  };
}

export interface AuthorizationContext {
  readonly account: Account | undefined;
  readonly activeBan: ActiveBan | undefined;
  readonly usage: AccountUsage;
}

/** Port: the storage the authorize path needs. Each method is one round of (parallel) requests. */
export interface AuthorizationStore {
  loadContext(accountKey: AccountKey | undefined, sourceIp: string, now: Date): Promise<AuthorizationContext>;
  /** Stores the record unless its callId exists; returns the stored record of the first decision otherwise. */
  recordDecision(record: DecisionRecord): Promise<{ readonly stored: true } | { readonly stored: false; readonly existing: DecisionRecord }>;
}

/** Port: reference data held in memory by the adapter, refreshed off the hot path. */
export interface ReferenceData {
  rateDeck(): Promise<RateDeck>;
  highRiskPrefixes(): Promise<PrefixSet>;
}

export interface AuthorizeCallDependencies {
  readonly store: AuthorizationStore;
  readonly referenceData: ReferenceData;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly settings: DecisionSettings;
}

export type AuthorizeOutcome =
  | { readonly kind: 'decided'; readonly record: DecisionRecord; readonly replayed: boolean }
  | { readonly kind: 'call-id-conflict'; readonly existing: DecisionRecord };

export function makeAuthorizeCall(deps: AuthorizeCallDependencies) {
  return async function authorizeCall(request: AuthorizationRequest): Promise<AuthorizeOutcome> {
    const now = deps.clock.now();
    const target = resolveCallTarget(request);
    const [context, rateDeck, highRiskPrefixes] = await Promise.all([
      deps.store.loadContext(target.accountKey, request.sourceIp, now),
      deps.referenceData.rateDeck(),
      deps.referenceData.highRiskPrefixes(),
    ]);
    const decision = evaluateCall({
      request,
      target,
      account: context.account,
      activeBan: context.activeBan,
      usage: context.usage,
      rateDeck,
      highRiskPrefixes,
      settings: deps.settings,
    });
    const record: DecisionRecord = {
      ...decision,
      decisionId: deps.ids.newId(),
      callId: request.callId,
      decidedAt: now.toISOString(),
      request: { to: request.to, from: request.from, sourceIp: request.sourceIp, authMethod: request.authMethod },
    };
    const result = await deps.store.recordDecision(record);
    if (result.stored) return { kind: 'decided', record, replayed: false };
    if (!sameCall(result.existing, record)) return { kind: 'call-id-conflict', existing: result.existing };
    return { kind: 'decided', record: result.existing, replayed: true };
  };
}

/** A retry carries the same dialled string and source; anything else reusing the callId is a conflict. */
function sameCall(existing: DecisionRecord, attempt: DecisionRecord): boolean {
  return existing.request.to === attempt.request.to && existing.request.sourceIp === attempt.request.sourceIp;
}
