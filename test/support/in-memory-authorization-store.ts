/**
 * The authorize path's ports (domain/policy/authorize-call.ts) in memory, with the semantics of the DynamoDB
 * adapter (functions/adapters/dynamodb/authorization-store.ts):
 *  - `commit` writes the decision record (new callId, or replacing its own decisionId) and, independently, the
 *    account write: a commitment taken only if every condition holds (version, call not live or settled, the
 *    concurrency, balance, velocity and spend bounds), else refused with the account as it is; or a read;
 *  - this process's copy of an account is what it last read or wrote (copies do not age here: a test that wants a
 *    cold process starts without one);
 *  - `undo` gives back a live call only if it is still there as taken.
 * Accounts are found by accountId only, and restrictions, unusual-destination counts and `withdraw` are not
 * modelled: they throw "not used" so a test that reaches them says so.
 */
import type { LiveCall } from '../../domain/calls/ledger.js';
import { meetsSpendCheck } from '../../domain/calls/spend-windows.js';
import type {
  AccountOutcome,
  AccountSnapshot,
  AuthorizationStore,
  BanList,
  CommitRequest,
  CommitResult,
  DecisionRecord,
  RecordOutcome,
  ReferenceData,
} from '../../domain/policy/authorize-call.js';
import type { CallCommitment } from '../../domain/policy/call-commitment.js';
import type { AccountKey, ActiveBan } from '../../domain/policy/evaluate-call.js';
import type { PrefixSet } from '../../domain/policy/prefix-set.js';
import type { RateDeck } from '../../domain/rate-deck/rate-deck.js';
import { changed, holdsLiveCall } from './account-snapshot.js';

const notUsed = (what: string) => new Error(`not used: ${what} is not modelled by the in-memory authorization store`);

export class InMemoryAuthorizationStore implements AuthorizationStore {
  /** The database's accounts. */
  readonly accounts = new Map<string, AccountSnapshot>();
  /** This process's copies of them. */
  readonly copies = new Map<string, AccountSnapshot>();
  readonly decisions = new Map<string, DecisionRecord>();
  readonly commits: CommitRequest[] = [];
  readonly undone: CallCommitment[] = [];
  reads = 0;

  constructor(seed: { readonly accounts?: readonly AccountSnapshot[]; readonly copies?: readonly AccountSnapshot[] } = {}) {
    for (const snapshot of seed.accounts ?? []) this.accounts.set(snapshot.account.accountId, snapshot);
    for (const snapshot of seed.copies ?? []) this.copies.set(snapshot.account.accountId, snapshot);
  }

  account(accountId: string): AccountSnapshot {
    const snapshot = this.accounts.get(accountId);
    if (!snapshot) throw new Error(`no account ${accountId}`);
    return snapshot;
  }

  cachedAccount(accountKey: AccountKey): AccountSnapshot | undefined {
    return this.copies.get(accountIdOf(accountKey));
  }

  lastKnownAccount(accountKey: AccountKey): AccountSnapshot | undefined {
    return this.copies.get(accountIdOf(accountKey));
  }

  async readAccount(accountKey: AccountKey): Promise<AccountSnapshot | undefined> {
    this.reads += 1;
    return this.remember(accountIdOf(accountKey));
  }

  async commit(request: CommitRequest): Promise<CommitResult> {
    if (request.restriction) throw notUsed('a restriction');
    this.commits.push(request);
    return { record: this.writeRecord(request.record, request.replacing), account: this.accountOperation(request) };
  }

  async undo(commitment: CallCommitment): Promise<boolean> {
    if (commitment.unusual) throw notUsed('unusual-destination counts');
    const live = commitment.liveCall?.call;
    const current = this.accounts.get(commitment.accountId);
    if (!live || !current || !holdsLiveCall(current.ledger, live)) return false;
    const given = changed(current, {
      availableMicros: live.reservedMicros,
      liveCalls: (calls) => calls.filter((call) => call.callId !== live.callId),
      ...(commitment.spend ? { spend: commitment.spend.adjustments.map((adjustment) => ({ ...adjustment, micros: -adjustment.micros })) } : {}),
    });
    const minute = commitment.velocity?.minute;
    const { allowedCallsByMinute } = given.ledger;
    this.store({
      ...given,
      ledger: minute === undefined ? given.ledger : { ...given.ledger, allowedCallsByMinute: { ...allowedCallsByMinute, [minute]: (allowedCallsByMinute[minute] ?? 0) - 1 } },
    });
    this.undone.push(commitment);
    return true;
  }

  async readDecision(callId: string): Promise<DecisionRecord | undefined> {
    return this.decisions.get(callId);
  }

  async withdraw(): Promise<{ readonly liveCallsWithdrawn: number }> {
    throw notUsed('withdraw');
  }

  private writeRecord(record: DecisionRecord, replacing: string | undefined): RecordOutcome {
    const existing = this.decisions.get(record.callId);
    const writable = replacing ? existing?.decisionId === replacing : existing === undefined;
    if (!writable && existing) return { kind: 'exists', existing };
    if (!writable) throw new Error(`decision for call ${record.callId} vanished while it was being replaced`);
    this.decisions.set(record.callId, record);
    return { kind: 'stored' };
  }

  private accountOperation(request: CommitRequest): AccountOutcome {
    const { commitment } = request;
    if (commitment) {
      const current = this.accounts.get(commitment.accountId);
      if (!current || !meets(commitment, current)) return { kind: 'rejected', snapshot: this.remember(commitment.accountId) };
      return { kind: 'committed', snapshot: this.store(taken(commitment, current)) };
    }
    if (request.verifyAccountId) return { kind: 'read', snapshot: this.remember(request.verifyAccountId) };
    return { kind: 'none' };
  }

  private store(snapshot: AccountSnapshot): AccountSnapshot {
    this.accounts.set(snapshot.account.accountId, snapshot);
    this.copies.set(snapshot.account.accountId, snapshot);
    return snapshot;
  }

  private remember(accountId: string): AccountSnapshot | undefined {
    const snapshot = this.accounts.get(accountId);
    if (snapshot) this.copies.set(accountId, snapshot);
    return snapshot;
  }
}

function accountIdOf(accountKey: AccountKey): string {
  if (accountKey.by !== 'accountId') throw notUsed(`finding an account by ${accountKey.by}`);
  return accountKey.value;
}

/** The commitment's conditions, as commitmentExpression in the adapter words them. */
function meets(commitment: CallCommitment, { account, ledger }: AccountSnapshot): boolean {
  if (commitment.unusual) throw notUsed('unusual-destination counts');
  if (account.version !== commitment.expectedVersion) return false;
  const live = commitment.liveCall;
  if (live) {
    const { callId } = live.call;
    if (ledger.liveCalls.some((call) => call.callId === callId) || ledger.settled[callId]) return false;
    if (live.concurrencyLimit !== null && ledger.liveCallCount >= live.concurrencyLimit) return false;
    if (ledger.availableMicros < live.requiredAvailableMicros) return false;
  }
  const { velocity } = commitment;
  if (velocity && velocity.allowedBefore !== null) {
    if ((ledger.allowedCallsByMinute[velocity.minute] ?? 0) >= velocity.allowedBefore) return false;
    if ((ledger.allowedCallsByMinute[velocity.minute - 1] ?? 0) > velocity.previousSeen) return false;
  }
  const { spend } = commitment;
  if (spend && live && !spend.checks.every((check) => meetsSpendCheck(ledger, check))) return false;
  return true;
}

/** The account after the commitment: the live call, its reservation and its counts taken, dead counters dropped. */
function taken(commitment: CallCommitment, current: AccountSnapshot): AccountSnapshot {
  const live: LiveCall | undefined = commitment.liveCall?.call;
  const after = live
    ? changed(current, {
        availableMicros: -live.reservedMicros,
        liveCalls: (calls) => [...calls, live],
        ...(commitment.spend ? { spend: commitment.spend.adjustments } : {}),
      })
    : current;
  const { velocity, cleanup } = commitment;
  const keep = <V>(buckets: Readonly<Record<number, V>>, dropped: readonly number[]) =>
    Object.fromEntries(Object.entries(buckets).filter(([index]) => !dropped.includes(Number(index)))) as Record<number, V>;
  const minutes = keep(after.ledger.allowedCallsByMinute, cleanup.minutes);
  return {
    account: after.account,
    ledger: {
      ...after.ledger,
      allowedCallsByMinute: velocity ? { ...minutes, [velocity.minute]: (minutes[velocity.minute] ?? 0) + 1 } : minutes,
      spendBuckets: {
        hour: keep(after.ledger.spendBuckets.hour, cleanup.spendBuckets.filter(({ window }) => window === 'hour').map(({ bucket }) => bucket)),
        day: keep(after.ledger.spendBuckets.day, cleanup.spendBuckets.filter(({ window }) => window === 'day').map(({ bucket }) => bucket)),
      },
      settled: Object.fromEntries(Object.entries(after.ledger.settled).filter(([callId]) => !cleanup.settledCallIds.includes(callId))),
    },
  };
}

/** Reference data that never changes: the same deck and high-risk list, fresh or last known. */
export function staticReferenceData(rateDeck: RateDeck, highRiskPrefixes: PrefixSet, restrictedRanges: readonly string[] = []): ReferenceData {
  return {
    rateDeck: async () => rateDeck,
    highRiskPrefixes: async () => highRiskPrefixes,
    restrictedRanges: async () => restrictedRanges,
    lastKnown: () => ({ rateDeck, highRiskPrefixes, restrictedRanges }),
  };
}

/** A ban list holding `bans`, each active until its `bannedUntil`. */
export function staticBanList(bans: readonly ActiveBan[] = []): BanList {
  const activeBan = (ip: string, now: Date) => bans.find((ban) => ban.ip === ip && Date.parse(ban.bannedUntil) > now.getTime());
  return { activeBan: async (ip, now) => activeBan(ip, now), lastKnownBan: activeBan };
}

/** Ids `${prefix}-1`, `${prefix}-2`, … */
export function sequentialIds(prefix: string): { newId(): string } {
  let next = 0;
  return { newId: () => `${prefix}-${(next += 1)}` };
}
