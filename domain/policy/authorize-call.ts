/**
 * The authorize use case.
 *  1. Work out who is calling (account id, tech prefix, SIP username) from the request alone, and, when the
 *     account's home country is already known to this process, which country the call goes to.
 *  2. Load what the decision needs in one round of parallel requests (AuthorizationStore.loadContext): the account,
 *     an active ban on the source IP, usage counters, and the attempt counters for unusual destinations, which are
 *     incremented in the same round so that concurrent attempts each see a distinct count.
 *  3. Decide with the pure engine against the in-memory rate deck and high-risk list.
 *  4. Record the decision under its callId with its side effects (a new restriction and its event, the call's
 *     concurrency slot) in one round; a callId decided before returns the earlier decision unchanged, which
 *     makes retries from the switch idempotent.
 */
import type { Account } from '../accounts/account.js';
import type { EventDetail } from '../events/contracts.js';
import { normalizeDialledString } from '../numbers/normalize-number.js';
import { isUsualCountry, type DestinationActivity } from '../profiling/destination-detection.js';
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
  readonly activity: DestinationActivity;
  /** Whether this attempt's destination country was counted while loading (it is, when it was known up front). */
  readonly countedCountry: string | undefined;
}

export interface ContextQuery {
  readonly accountKey: AccountKey | undefined;
  readonly sourceIp: string;
  readonly now: Date;
  /** Count this attempt against this unusual-destination country while loading. */
  readonly countCountry: string | undefined;
}

/** What recording a decision must also do, atomically with it. */
export interface DecisionEffects {
  /** The attempt crossed a burst threshold: restrict the country for the account and emit the event. */
  readonly restriction?: EventDetail<'Destination Restricted'>;
  /** The call was allowed and the account has a concurrency limit: hold a slot until completion or expiry. */
  readonly concurrencySlot?: { readonly accountId: string; readonly expiresAtMs: number };
  /** The destination could not be counted while loading (first sight of the account in this process). */
  readonly lateCount?: { readonly accountId: string; readonly country: string; readonly now: Date };
}

/** Port: the storage the authorize path needs. Each method is one round of (parallel) requests. */
export interface AuthorizationStore {
  /**
   * What this process last saw of the account (home country, whitelist, known countries); no I/O. Used only to
   * decide up front whether to count the attempt as unusual: a stale copy at worst moves one count to round two.
   */
  lastSeenAccount(accountKey: AccountKey): Pick<Account, 'homeCountry' | 'knownCountries' | 'policy'> | undefined;
  loadContext(query: ContextQuery): Promise<AuthorizationContext>;
  /** Stores the record unless its callId exists; returns the stored record of the first decision otherwise. */
  recordDecision(
    record: DecisionRecord,
    effects: DecisionEffects,
  ): Promise<{ readonly stored: true } | { readonly stored: false; readonly existing: DecisionRecord }>;
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
    const [rateDeck, highRiskPrefixes] = await Promise.all([deps.referenceData.rateDeck(), deps.referenceData.highRiskPrefixes()]);
    const lastSeen = target.accountKey ? deps.store.lastSeenAccount(target.accountKey) : undefined;
    const context = await deps.store.loadContext({
      accountKey: target.accountKey,
      sourceIp: request.sourceIp,
      now,
      countCountry: lastSeen ? unusualDestinationCountry(target.dialled, lastSeen, rateDeck) : undefined,
    });
    const decision = evaluateCall({
      request,
      target,
      account: context.account,
      activeBan: context.activeBan,
      usage: context.usage,
      activity: context.activity,
      now,
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
    const result = await deps.store.recordDecision(record, effectsOf(record, context, now, deps.ids));
    if (result.stored) return { kind: 'decided', record, replayed: false };
    if (!sameCall(result.existing, record)) return { kind: 'call-id-conflict', existing: result.existing };
    return { kind: 'decided', record: result.existing, replayed: true };
  };
}

type AccountView = Pick<Account, 'homeCountry' | 'knownCountries' | 'policy'>;

function isUnusual(country: string, account: AccountView): boolean {
  return !isUsualCountry(country, { homeCountry: account.homeCountry, whitelist: account.policy.whitelistCountries, knownCountries: account.knownCountries });
}

/** The destination country when it is unusual for the account; undefined when usual or not resolvable. */
function unusualDestinationCountry(dialled: string, account: AccountView, rateDeck: RateDeck): string | undefined {
  const normalized = normalizeDialledString(dialled, { homeCountry: account.homeCountry });
  if (!normalized.ok) return undefined;
  const country = rateDeck.lookup(normalized.digits)?.country;
  return country && isUnusual(country, account) ? country : undefined;
}

function effectsOf(record: DecisionRecord, context: AuthorizationContext, now: Date, ids: IdGenerator): DecisionEffects {
  const account = context.account;
  if (!account || !record.destination) return {};
  const country = record.destination.country;
  const evidence = record.rule.evidence;
  const restriction: DecisionEffects['restriction'] =
    record.reason === 'DESTINATION_RESTRICTED' && evidence.newlyRestricted === true
      ? {
          eventId: ids.newId(),
          occurredAt: now.toISOString(),
          accountId: account.accountId,
          destination: country,
          callId: record.callId,
          evidence: {
            rule: String(evidence.trigger),
            destinations: (evidence.unusualCountries as string[] | undefined) ?? [country],
            attempts: Math.ceil(Number(evidence.attemptsToDestination ?? 0)),
            newDestinationAttempts: Number(evidence.unusualAttempts ?? 0),
            windowMinutes: Number(evidence.windowMinutes ?? 0),
            spendLastHour: context.usage.spendLastHour,
            thresholds: (evidence.thresholds as Record<string, number> | undefined) ?? {},
          },
        }
      : undefined;
  const concurrencySlot =
    record.decision === 'allow' && account.policy.limits.concurrentCalls !== null && record.maxDurationSeconds !== null
      ? { accountId: account.accountId, expiresAtMs: now.getTime() + (record.maxDurationSeconds + 60) * 1000 }
      : undefined;
  const lateCount =
    context.countedCountry === undefined && isUnusual(country, account) ? { accountId: account.accountId, country, now } : undefined;
  return { ...(restriction ? { restriction } : {}), ...(concurrencySlot ? { concurrencySlot } : {}), ...(lateCount ? { lateCount } : {}) };
}

/** A retry carries the same dialled string and source; anything else reusing the callId is a conflict. */
function sameCall(existing: DecisionRecord, attempt: DecisionRecord): boolean {
  return existing.request.to === attempt.request.to && existing.request.sourceIp === attempt.request.sourceIp;
}
