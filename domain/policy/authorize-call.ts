/**
 * The authorize use case: decide a call and commit it in one round of parallel requests.
 *
 *  1. Work out who is calling from the request alone; bans, the rate deck and the high-risk list are in memory.
 *  2. Take the account from this process's short-lived copy (a cold process reads it first: one more round).
 *  3. Decide with the pure engine.
 *  4. Commit, in one round: the decision record under its callId (the idempotency key and the access log) and, in
 *     parallel, the account write the decision needs (CallCommitment: a live call with its reservation, its counts),
 *     conditioned on the limits and on the account version the decision was made on. A denial that takes nothing
 *     reads the account instead, to confirm it was decided on the current version.
 *  5. If a condition failed, or the read shows a newer account, the failure itself returns the current account:
 *     decide again on it and replace the record written in step 4 (a limit reached under concurrency is a deny,
 *     not an error). A limit denial decided on the cached copy is confirmed by a read before it is recorded.
 *  6. A callId decided before answers with the earlier decision (a retry from the switch); whatever step 4 took
 *     for it is given back, so a retry never counts twice. The same callId for a different call is a conflict.
 */
import type { Account } from '../accounts/account.js';
import type { AccountLedger, LiveCall } from '../calls/ledger.js';
import {
  activeCalls,
  callsLastMinute,
  expiredCalls,
  findLiveCall,
  openReservationsMicros,
} from '../calls/ledger.js';
import { slidingSpendMicros, spendLastDayMicros, spendLastHourMicros } from '../calls/spend-windows.js';
import type { EventDetail } from '../events/contracts.js';
import { normalizeDialledString } from '../numbers/normalize-number.js';
import { isUsualDestination, resolveThresholds, usualFactsOf, windowIndex, type DestinationActivity } from '../profiling/destination-detection.js';
import type { RateDeck } from '../rate-deck/rate-deck.js';
import { fromMicros } from '../shared/money.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import type { AuthorizationRequest } from './authorization-request.js';
import { commitmentFor, type CallCommitment } from './call-commitment.js';
import { degradedDecision } from './degraded-decision.js';
import { stepOf, type BurstRestriction, type CallDecision, type RecordedRule } from './decision.js';
import {
  evaluateCall,
  resolveCallTarget,
  type AccountKey,
  type AccountUsage,
  type ActiveBan,
  type DecisionSettings,
  type EngineDecision,
  type EvaluationInput,
  type ResolvedCallTarget,
} from './evaluate-call.js';
import { unblockHints, type UnblockChange } from './unblock-hints.js';
import type { PrefixSet } from './prefix-set.js';

export interface DecisionRecord extends CallDecision<RecordedRule> {
  /**
   * On a denial the engine decided: the changes that would have let the call through (./unblock-hints.ts); `[]`
   * when nothing short of a reviewer may help. Absent on allows, on decisions made while degraded and on records
   * written before hints existed.
   */
  readonly unblock?: readonly UnblockChange[];
  readonly decisionId: string;
  readonly callId: string;
  readonly decidedAt: string;
  readonly request: {
    readonly to: string;
    readonly from: string;
    readonly sourceIp: string;
    readonly authMethod: 'ip' | 'digest';
    readonly accountId?: string;
    readonly techPrefix?: string;
    readonly sipUsername?: string;
  };
  /** What the engine saw of the account, for a replay (domain/policy/what-if.ts); absent on records written before it. */
  readonly seen?: DecisionSeen;
}

/** The account's state a decision was made on, beyond its policy: what a later replay cannot rebuild exactly. */
export interface DecisionSeen {
  readonly balanceMicros: number;
  readonly usage: AccountUsage;
  /** Whether the destination country was known for the account (learned from completed calls) at the time. */
  readonly destinationKnown?: boolean;
  /**
   * Whether the destination was usual for the account at the time (home, whitelisted, confirmed, or known at a rate
   * within knownMaxRatePerMinute: isUsualDestination). The stream publishes the unusual ones to the range watch.
   */
  readonly destinationUsual?: boolean;
}

/** The account as the engine needs it: identity, policy and status, and its live side. */
export interface AccountSnapshot {
  readonly account: Account;
  readonly ledger: AccountLedger;
}

export interface CommitRequest {
  readonly record: DecisionRecord;
  /** The decisionId this request recorded in an earlier round: replace that record instead of creating one. */
  readonly replacing?: string;
  readonly commitment?: CallCommitment;
  /** Read the account in the same round, to confirm a denial was decided on its current version. */
  readonly verifyAccountId?: string;
  /** The attempt crossed a burst threshold: restrict the destination (if the account is still at this version). */
  readonly restriction?: { readonly event: EventDetail<'Destination Restricted'>; readonly expectedVersion: number };
}

export type AccountOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'committed'; readonly snapshot: AccountSnapshot | undefined }
  /** A condition failed: nothing was taken; the snapshot is the account as it is now (undefined: gone). */
  | { readonly kind: 'rejected'; readonly snapshot: AccountSnapshot | undefined }
  | { readonly kind: 'read'; readonly snapshot: AccountSnapshot | undefined };

export type RecordOutcome =
  | { readonly kind: 'stored' }
  | { readonly kind: 'exists'; readonly existing: DecisionRecord }
  /** A transaction was cancelled by the account's condition: the record was not written either. */
  | { readonly kind: 'not-written' };

export interface CommitResult {
  readonly record: RecordOutcome;
  readonly account: AccountOutcome;
}

/** A round of commit sent to the database, whose outcome the caller may never learn (a missed deadline). */
export interface SentCommit {
  readonly record: DecisionRecord;
  readonly commitment?: CallCommitment;
}

/**
 * Port: the storage of the authorize path. `commit` is one round of parallel requests. Every method that does I/O
 * takes the request's abort signal: when the deadline passes, what is in flight is abandoned.
 */
export interface AuthorizationStore {
  /** This process's copy of the account, when it is recent enough to decide on; no I/O. */
  cachedAccount(accountKey: AccountKey, now: Date): AccountSnapshot | undefined;
  /** The last state this process read of the account, whatever its age (decisions while degraded); no I/O. */
  lastKnownAccount(accountKey: AccountKey): AccountSnapshot | undefined;
  /** Reads the account (strongly consistent), resolving a tech prefix or SIP username first. */
  readAccount(accountKey: AccountKey, signal?: AbortSignal): Promise<AccountSnapshot | undefined>;
  commit(request: CommitRequest, signal?: AbortSignal): Promise<CommitResult>;
  /** Gives back what a commitment took (a retried callId must not count twice); false when there was nothing to give back. */
  undo(commitment: CallCommitment, signal?: AbortSignal): Promise<boolean>;
  readDecision(callId: string, signal?: AbortSignal): Promise<DecisionRecord | undefined>;
  /**
   * After a missed deadline: gives back the live calls the sent rounds may have taken, and stores the decision the
   * switch was given instead. Throws while the database is still unavailable (the caller retries later).
   */
  withdraw(sent: readonly SentCommit[], given: DecisionRecord): Promise<{ readonly liveCallsWithdrawn: number }>;
}

/** Port: reference data held in memory by the adapter, refreshed off the hot path. */
export interface ReferenceData {
  rateDeck(): Promise<RateDeck>;
  highRiskPrefixes(): Promise<PrefixSet>;
  /** The ranges restricted carrier-wide by the range watch (domain/profiling/range-watch.ts). */
  restrictedRanges(): Promise<readonly string[]>;
  /** The copies held now, whatever their age; no I/O. */
  lastKnown(): { readonly rateDeck: RateDeck | undefined; readonly highRiskPrefixes: PrefixSet | undefined; readonly restrictedRanges?: readonly string[] | undefined };
}

/** Port: active IP bans, held in memory and refreshed off the hot path. */
export interface BanList {
  activeBan(ip: string, now: Date): Promise<ActiveBan | undefined>;
  /** From the copy held now, whatever its age; no I/O. */
  lastKnownBan(ip: string, now: Date): ActiveBan | undefined;
}

/** How a caller bounds one authorization: its deadline, and a log of the rounds sent (to withdraw them if it passes). */
export interface AuthorizeControl {
  readonly signal?: AbortSignal;
  readonly onCommitSent?: (sent: SentCommit) => void;
}

export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

export interface AuthorizeCallDependencies {
  readonly store: AuthorizationStore;
  readonly referenceData: ReferenceData;
  readonly bans: BanList;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly settings: DecisionSettings;
  /** Releases reservations that expired unreported, when a limit refuses a call on an account holding some. */
  readonly releaseExpired: (snapshot: AccountSnapshot, calls: readonly LiveCall[]) => Promise<void>;
  /** Waits between re-reads of a record another request is still settling (a tentative allow). */
  readonly pause: (ms: number) => Promise<void>;
}

export type AuthorizeOutcome =
  | { readonly kind: 'decided'; readonly record: DecisionRecord; readonly replayed: boolean; readonly trace: AuthorizeTrace }
  | { readonly kind: 'call-id-conflict'; readonly existing: DecisionRecord; readonly trace: AuthorizeTrace };

/** How the decision was reached, for the log and the benchmark: rounds of requests, and why more than one. */
export interface AuthorizeTrace {
  readonly rounds: number;
  readonly cached: boolean;
  readonly retries: readonly string[];
}

/** Rounds of commit before giving up under contention; each failed round brings the account's current state. */
const MAX_COMMIT_ROUNDS = 4;
const LIMIT_REASONS = new Set(['VELOCITY_LIMIT', 'CONCURRENCY_LIMIT', 'SPEND_LIMIT', 'INSUFFICIENT_BALANCE']);

export function makeAuthorizeCall(deps: AuthorizeCallDependencies) {
  return async function authorizeCall(request: AuthorizationRequest, control: AuthorizeControl = {}): Promise<AuthorizeOutcome> {
    const { signal } = control;
    const checkDeadline = () => {
      if (signal?.aborted) throw new DeadlineExceeded('the authorize budget ran out');
    };
    const now = deps.clock.now();
    const target = resolveCallTarget(request);
    const [rateDeck, highRiskPrefixes, restrictedRanges, activeBan] = await Promise.all([
      deps.referenceData.rateDeck(),
      deps.referenceData.highRiskPrefixes(),
      deps.referenceData.restrictedRanges(),
      deps.bans.activeBan(request.sourceIp, now),
    ]);
    const trace = { rounds: 0, cached: false, retries: [] as string[] };
    const decisionId = deps.ids.newId();
    // What each decision was made on, kept on its record for a replay (a contention denial keeps none).
    const seenBy = new WeakMap<CallDecision, DecisionSeen>();
    const recordOf = (decision: CallDecision): DecisionRecord => {
      const seen = seenBy.get(decision);
      return { ...decision, decisionId, callId: request.callId, decidedAt: now.toISOString(), request: requestIdentity(request), ...(seen ? { seen } : {}) };
    };
    /** The destination country when this attempt counts for burst detection (worked out once per snapshot). */
    const unusualOf = (snapshot: AccountSnapshot) => unusualCountryOf(target, snapshot.account, rateDeck, deps.settings);
    /** The engine's decision; a denial carries its unblock hint, worked out by the engine on the same input. */
    const decide = (snapshot: AccountSnapshot | undefined, unusualCountry = snapshot ? unusualOf(snapshot) : undefined): HintedDecision => {
      const usage = snapshot ? usageOf(snapshot, now) : ZERO_USAGE;
      const input: EvaluationInput = {
        request,
        target,
        account: activeBan ? undefined : snapshot?.account,
        activeBan,
        usage,
        activity: snapshot ? activityOf(snapshot, unusualCountry, now, deps.settings) : NO_ACTIVITY,
        now,
        rateDeck,
        highRiskPrefixes,
        restrictedRanges,
        settings: deps.settings,
      };
      const engineDecision = evaluateCall(input);
      const decision: HintedDecision = engineDecision.decision === 'allow' ? engineDecision : { ...engineDecision, unblock: unblockHints(input, engineDecision) };
      if (snapshot && !activeBan) seenBy.set(decision, seenOf(snapshot, usage, decision, deps.settings));
      return decision;
    };

    // A banned source or an unidentifiable caller is decided without the account.
    if (activeBan || !target.accountKey) {
      return finish(await commitRound({ record: recordOf(decide(undefined)) }), undefined);
    }

    let snapshot = deps.store.cachedAccount(target.accountKey, now);
    let fresh = false;
    trace.cached = snapshot !== undefined;
    if (!snapshot) {
      trace.rounds += 1;
      snapshot = await deps.store.readAccount(target.accountKey, signal);
      fresh = true;
      if (!snapshot) return finish(await commitRound({ record: recordOf(decide(undefined)) }), undefined);
    }

    let replacing: string | undefined;
    for (let round = 1; ; round += 1) {
      const current: AccountSnapshot = snapshot;
      const unusualCountry = unusualOf(current);
      const decision = decide(current, unusualCountry);
      if (!fresh && LIMIT_REASONS.has(decision.reason)) {
        // A limit denial on a cached copy may be stale (calls ended elsewhere): confirm on a read first.
        trace.retries.push(`confirm ${decision.reason}`);
        trace.rounds += 1;
        checkDeadline();
        const read = await deps.store.readAccount(target.accountKey, signal);
        if (!read) return finish(await commitRound({ record: recordOf(decide(undefined)), ...(replacing ? { replacing } : {}) }), undefined);
        snapshot = read;
        fresh = true;
        continue;
      }
      // After repeated lost races the last round only records: a refusal as busy, taking nothing.
      const lastRound = round > MAX_COMMIT_ROUNDS;
      const record = recordOf(lastRound ? contentionDenial(decision, deps.settings) : decision);
      const commitment = lastRound
        ? undefined
        : commitmentFor({ decision, callId: request.callId, account: current.account, ledger: current.ledger, unusualCountry, now, detection: deps.settings.detection, credit: deps.settings });
      const burst = lastRound ? undefined : newRestriction(decision);
      const restriction = burst
        ? { event: restrictionEvent(record, burst, current, now, deps.ids), expectedVersion: current.account.version }
        : undefined;
      const result = await commitRound({
        record,
        ...(replacing ? { replacing } : {}),
        ...(commitment ? { commitment } : {}),
        ...(restriction ? { restriction } : {}),
        ...(!commitment && !restriction && !fresh ? { verifyAccountId: current.account.accountId } : {}),
      });
      if (result.record.kind === 'exists') return finish(result, commitment);
      if (result.record.kind === 'stored') replacing = record.decisionId;
      const outcome = result.account;
      if (outcome.kind === 'none' || outcome.kind === 'committed') return finish(result, undefined);
      if (outcome.kind === 'read') {
        // The denial stands unless the account changed since the copy it was decided on.
        if (!outcome.snapshot || outcome.snapshot.account.version === current.account.version) return finish(result, undefined);
        const again = decide(outcome.snapshot);
        if (again.decision === record.decision && again.reason === record.reason) return finish(result, undefined);
        trace.retries.push(`account changed (version ${current.account.version} -> ${outcome.snapshot.account.version})`);
      } else {
        trace.retries.push(restriction ? 'restriction raced' : `condition failed for ${record.reason}`);
      }
      checkDeadline();
      let next = outcome.snapshot ?? (await deps.store.readAccount(target.accountKey, signal));
      // Reservations that expired unreported still count in the limits' conditions: release them, then decide again.
      const expired = next ? expiredCalls(next.ledger, now.getTime()) : [];
      if (next && expired.length > 0 && outcome.kind === 'rejected') {
        trace.retries.push(`released ${expired.length} expired reservation(s)`);
        await deps.releaseExpired(next, expired);
        checkDeadline();
        next = await deps.store.readAccount(target.accountKey, signal);
      }
      if (!next) return finish(await commitRound({ record: recordOf(decide(undefined)), replacing }), undefined);
      snapshot = next;
      fresh = true;
    }

    async function commitRound(commit: CommitRequest): Promise<CommitResult & { readonly sent: DecisionRecord }> {
      checkDeadline();
      trace.rounds += 1;
      control.onCommitSent?.({ record: commit.record, ...(commit.commitment ? { commitment: commit.commitment } : {}) });
      return { ...(await deps.store.commit(commit, signal)), sent: commit.record };
    }

    async function finish(result: CommitResult & { readonly sent: DecisionRecord }, taken: CallCommitment | undefined): Promise<AuthorizeOutcome> {
      const done = { rounds: trace.rounds, cached: trace.cached, retries: trace.retries };
      if (result.record.kind !== 'exists') return { kind: 'decided', record: result.sent, replayed: false, trace: done };
      // The callId was decided before. Give back anything this round took for it, then answer the first decision.
      if (taken && result.account.kind === 'committed') await deps.store.undo(taken, signal);
      let existing = result.record.existing;
      if (!sameCall(existing, result.sent)) return { kind: 'call-id-conflict', existing, trace: done };
      existing = await settledRecord(existing, result.account);
      return { kind: 'decided', record: existing, replayed: true, trace: done };
    }

    /**
     * An allow found while its own request is still deciding may be replaced in a moment (its write lost a race):
     * its call is then neither live nor settled. Re-read it briefly before answering with it.
     */
    async function settledRecord(existing: DecisionRecord, account: AccountOutcome): Promise<DecisionRecord> {
      if (existing.decision !== 'allow') return existing;
      const ledger = account.kind !== 'none' ? account.snapshot?.ledger : undefined;
      if (ledger && (findLiveCall(ledger, existing.callId) || ledger.settled[existing.callId])) return existing;
      let latest = existing;
      for (let attempt = 0; attempt < 2 && deps.clock.now().getTime() - Date.parse(latest.decidedAt) < 2_000; attempt += 1) {
        await deps.pause(50);
        latest = (await deps.store.readDecision(existing.callId, signal)) ?? latest;
        if (latest.decisionId !== existing.decisionId) break;
      }
      return latest;
    }
  };
}

/**
 * The decision when the database cannot be reached in time (domain/policy/degraded-decision.ts), from what this
 * process holds: bans, reference data and the last state it read of the account.
 */
export function makeDegradedDecision(deps: Pick<AuthorizeCallDependencies, 'store' | 'referenceData' | 'bans' | 'clock' | 'ids' | 'settings'> & {
  readonly failMode: 'deny' | 'allow';
  readonly failOpenMaxSeconds: number;
}) {
  return function decideDegraded(request: AuthorizationRequest, cause: 'unavailable' | 'unverified-credential'): DecisionRecord {
    const now = deps.clock.now();
    const target = resolveCallTarget(request);
    const snapshot = target.accountKey ? deps.store.lastKnownAccount(target.accountKey) : undefined;
    const { rateDeck, highRiskPrefixes, restrictedRanges } = deps.referenceData.lastKnown();
    const decision = degradedDecision({
      request,
      target,
      account: snapshot?.account,
      ledger: snapshot?.ledger,
      activeBan: deps.bans.lastKnownBan(request.sourceIp, now),
      rateDeck,
      highRiskPrefixes,
      restrictedRanges,
      now,
      settings: deps.settings,
      failMode: deps.failMode,
      failOpenMaxSeconds: deps.failOpenMaxSeconds,
      cause,
    });
    return { ...decision, decisionId: deps.ids.newId(), callId: request.callId, decidedAt: now.toISOString(), request: requestIdentity(request) };
  };
}

/** An engine decision, with the unblock hint of a denial. */
type HintedDecision = EngineDecision & { readonly unblock?: readonly UnblockChange[] };

const ZERO_USAGE: AccountUsage = { callsLastMinute: 0, concurrentCalls: 0, spendLastHour: 0, spendToday: 0, reservedMicros: 0 };
const NO_ACTIVITY: DestinationActivity = { current: {}, previous: {}, currentTotal: 0, previousTotal: 0 };

function seenOf(snapshot: AccountSnapshot, usage: AccountUsage, decision: CallDecision, settings: DecisionSettings): DecisionSeen {
  const { destination } = decision;
  const country = destination?.country;
  return {
    balanceMicros: snapshot.account.balanceMicros,
    usage,
    ...(country ? { destinationKnown: snapshot.account.knownCountries.includes(country) } : {}),
    ...(destination
      ? { destinationUsual: isUsualDestination(destination.country, destination.ratePerMinute, usualFactsOf(snapshot.account), settings.detection.knownMaxRatePerMinute) }
      : {}),
  };
}

function usageOf(snapshot: AccountSnapshot, now: Date): AccountUsage {
  const nowMs = now.getTime();
  const { ledger } = snapshot;
  return {
    callsLastMinute: callsLastMinute(ledger, nowMs, 1),
    concurrentCalls: activeCalls(ledger, nowMs).length,
    spendLastHour: fromMicros(spendLastHourMicros(ledger, nowMs)),
    spendToday: fromMicros(spendLastDayMicros(ledger, nowMs)),
    unusualSpendLastWeek: fromMicros(slidingSpendMicros(ledger, 'unusual', nowMs)),
    reservedMicros: openReservationsMicros(ledger, nowMs),
  };
}

/** Attempts to unusual countries in the current and previous windows, this attempt included when it is one. */
function activityOf(snapshot: AccountSnapshot, unusualCountry: string | undefined, now: Date, settings: DecisionSettings): DestinationActivity {
  const window = windowIndex(now.getTime(), settings.detection.windowMinutes);
  const current = snapshot.ledger.unusualByWindow[window];
  const previous = snapshot.ledger.unusualByWindow[window - 1];
  const thisAttempt = unusualCountry ? 1 : 0;
  return {
    current: unusualCountry ? { ...current?.byCountry, [unusualCountry]: (current?.byCountry[unusualCountry] ?? 0) + 1 } : { ...current?.byCountry },
    previous: { ...previous?.byCountry },
    currentTotal: (current?.total ?? 0) + thisAttempt,
    previousTotal: previous?.total ?? 0,
  };
}

/** The destination country when detection applies to it: unusual for the account, and detection on. */
function unusualCountryOf(target: ResolvedCallTarget, account: Account, rateDeck: RateDeck, settings: DecisionSettings): string | undefined {
  if (!resolveThresholds(settings.detection, account.policy.autoRestriction).enabled) return undefined;
  const normalized = normalizeDialledString(target.dialled, { homeCountry: account.homeCountry });
  if (!normalized.ok) return undefined;
  const route = rateDeck.lookup(normalized.digits);
  if (!route) return undefined;
  return isUsualDestination(route.country, route.ratePerMinute, usualFactsOf(account), settings.detection.knownMaxRatePerMinute) ? undefined : route.country;
}

/** The evidence of an attempt that crossed a burst threshold: its destination is to be restricted with its record. */
function newRestriction(decision: EngineDecision): BurstRestriction | undefined {
  const { rule } = decision;
  return rule.rule === 'DESTINATION_RESTRICTED' && rule.evidence.newlyRestricted ? rule.evidence : undefined;
}

/** After repeated lost races on one account the call is refused as busy, which a switch retries or fails over. */
function contentionDenial(decision: EngineDecision, settings: DecisionSettings): CallDecision {
  const { rule } = decision;
  if (rule.rule !== 'ALLOWED') {
    // Not written as a restriction in this round: say so rather than claim it.
    return rule.rule === 'DESTINATION_RESTRICTED' && rule.evidence.newlyRestricted ? { ...decision, rule: { ...rule, evidence: { ...rule.evidence, newlyRestricted: false } } } : decision;
  }
  const sip = settings.sipResponses.CONCURRENCY_LIMIT;
  return {
    ...decision,
    decision: 'deny',
    reason: 'CONCURRENCY_LIMIT',
    sipCode: sip.code,
    sipReason: sip.reason,
    maxDurationSeconds: null,
    interimSeconds: null,
    rule: { rule: 'CONCURRENCY_LIMIT', step: stepOf('CONCURRENCY_LIMIT'), detail: `too many simultaneous attempts on this account: ${MAX_COMMIT_ROUNDS} rounds lost`, evidence: { contention: true } },
  };
}

function restrictionEvent(record: DecisionRecord, evidence: BurstRestriction, snapshot: AccountSnapshot, now: Date, ids: IdGenerator): EventDetail<'Destination Restricted'> {
  const country = record.destination?.country ?? '';
  return {
    eventId: ids.newId(),
    occurredAt: now.toISOString(),
    accountId: snapshot.account.accountId,
    destination: country,
    callId: record.callId,
    evidence: {
      rule: evidence.trigger,
      destinations: [...evidence.unusualCountries],
      attemptsToDestination: Math.ceil(evidence.attemptsToDestination),
      unusualAttempts: evidence.unusualAttempts,
      windowMinutes: evidence.windowMinutes,
      spendLastHour: fromMicros(spendLastHourMicros(snapshot.ledger, now.getTime())),
      thresholds: evidence.thresholds,
      ...(evidence.unusualSpent !== undefined ? { unusualSpent: evidence.unusualSpent } : {}),
    },
  };
}

function requestIdentity(request: AuthorizationRequest): DecisionRecord['request'] {
  return {
    to: request.to,
    from: request.from,
    sourceIp: request.sourceIp,
    authMethod: request.authMethod,
    ...(request.accountId ? { accountId: request.accountId } : {}),
    ...(request.techPrefix ? { techPrefix: request.techPrefix } : {}),
    ...(request.sipUsername ? { sipUsername: request.sipUsername } : {}),
  };
}

/** A retry carries the same call: every identity field equal. Anything else reusing the callId is a conflict. */
function sameCall(existing: DecisionRecord, attempt: DecisionRecord): boolean {
  const a = existing.request;
  const b = attempt.request;
  return (
    a.to === b.to &&
    a.sourceIp === b.sourceIp &&
    (a.from ?? '') === b.from &&
    (a.authMethod ?? b.authMethod) === b.authMethod &&
    (a.accountId ?? undefined) === b.accountId &&
    (a.techPrefix ?? undefined) === b.techPrefix &&
    (a.sipUsername ?? undefined) === b.sipUsername
  );
}
