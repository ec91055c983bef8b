/**
 * The live-call port (domain/calls/ports.ts) in memory, with the semantics of its DynamoDB adapter
 * (functions/adapters/dynamodb/live-call-store.ts):
 *  - every write on an account is conditioned on the live call as seen (its expiry and reservation) or, for a charge
 *    after expiry, on the call being neither live nor settled; a refused write changes nothing and returns the
 *    account as it is (undefined when there is no account);
 *  - settling leaves a settled-call mark on the account; the claim on a call is first-report-wins;
 *  - the to-end marker is cleared only if its `at` is still the one read.
 * Settled-call marks stay until a test drops them with `dropAppliedMarks` (the adapter drops them on its next write
 * on the account once the call is marked applied).
 */
import type { LiveCall, SettledCall } from '../../domain/calls/ledger.js';
import { meetsSpendCheck, type SpendAdjustment } from '../../domain/calls/spend-windows.js';
import type {
  ClaimOutcome,
  Completion,
  CompletionClaim,
  CountryProfile,
  ExtensionGuard,
  GrantChange,
  LedgerWrite,
  LiveCallStore,
  StoredCall,
  StoredCompletion,
} from '../../domain/calls/ports.js';
import type { AccountSnapshot, DecisionRecord } from '../../domain/policy/authorize-call.js';
import type { Destination } from '../../domain/policy/decision.js';
import { changed, holdsLiveCall, type LedgerChange } from './account-snapshot.js';

export class InMemoryLiveCalls implements LiveCallStore {
  readonly accounts = new Map<string, AccountSnapshot>();
  readonly calls = new Map<string, StoredCall>();
  readonly markers = new Map<string, { readonly reason: string; readonly at: string }>();
  readonly profiles = new Map<string, { readonly completedCalls: number; readonly firstCompletedAt: string | undefined; readonly days: ReadonlySet<string> }>();

  constructor(seed: { readonly accounts?: readonly AccountSnapshot[]; readonly calls?: readonly DecisionRecord[] } = {}) {
    for (const snapshot of seed.accounts ?? []) this.accounts.set(snapshot.account.accountId, snapshot);
    for (const record of seed.calls ?? []) this.calls.set(record.callId, { record, completion: undefined });
  }

  /** The account as stored now (throws for an unknown account, which a test never means to read). */
  account(accountId: string): AccountSnapshot {
    const snapshot = this.accounts.get(accountId);
    if (!snapshot) throw new Error(`no account ${accountId}`);
    return snapshot;
  }

  completionOf(callId: string): StoredCompletion | undefined {
    return this.calls.get(callId)?.completion;
  }

  /** What the adapter's next write on the account does: drops the settled-call marks of calls marked applied. */
  dropAppliedMarks(accountId: string): void {
    const { account, ledger } = this.account(accountId);
    const settled = Object.fromEntries(Object.entries(ledger.settled).filter(([callId]) => this.calls.get(callId)?.completion?.appliedAt === undefined));
    this.accounts.set(accountId, { account, ledger: { ...ledger, settled } });
  }

  async loadCall(callId: string): Promise<StoredCall | undefined> {
    return this.calls.get(callId);
  }

  async loadCalls(callIds: readonly string[]): Promise<ReadonlyMap<string, StoredCall>> {
    return new Map(callIds.flatMap((callId) => {
      const stored = this.calls.get(callId);
      return stored ? [[callId, stored] as const] : [];
    }));
  }

  async readAccount(accountId: string): Promise<AccountSnapshot | undefined> {
    return this.accounts.get(accountId);
  }

  async readAccounts(accountIds: readonly string[]): Promise<readonly AccountSnapshot[]> {
    return accountIds.flatMap((accountId) => this.accounts.get(accountId) ?? []);
  }

  async extend(accountId: string, call: LiveCall, change: GrantChange, guard: ExtensionGuard): Promise<LedgerWrite> {
    const extra = change.reservedMicros - call.reservedMicros;
    return this.write(
      accountId,
      ({ account, ledger }) =>
        holdsLiveCall(ledger, call) &&
        account.version === guard.expectedVersion &&
        ledger.availableMicros >= extra &&
        guard.spendChecks.every((check) => meetsSpendCheck(ledger, check)),
      {
        availableMicros: -extra,
        spend: guard.spend,
        liveCalls: (calls) => calls.map((live) => (live.callId === call.callId ? { ...live, ...change } : live)),
      },
    );
  }

  async settle(accountId: string, call: LiveCall, settled: SettledCall, spend: readonly SpendAdjustment[]): Promise<LedgerWrite> {
    const adjustment = settled.chargedMicros - call.reservedMicros;
    return this.write(accountId, ({ ledger }) => holdsLiveCall(ledger, call), {
      balanceMicros: -settled.chargedMicros,
      availableMicros: -adjustment,
      spend,
      liveCalls: (calls) => calls.filter((live) => live.callId !== call.callId),
      settled: { callId: call.callId, call: settled },
    });
  }

  async release(accountId: string, call: LiveCall, spend: readonly SpendAdjustment[]): Promise<LedgerWrite> {
    return this.write(accountId, ({ ledger }) => holdsLiveCall(ledger, call), {
      availableMicros: call.reservedMicros,
      spend,
      liveCalls: (calls) => calls.filter((live) => live.callId !== call.callId),
    });
  }

  async chargeReleased(accountId: string, callId: string, settled: SettledCall, spend: readonly SpendAdjustment[]): Promise<LedgerWrite> {
    return this.write(accountId, ({ ledger }) => !ledger.liveCalls.some((live) => live.callId === callId) && !ledger.settled[callId], {
      balanceMicros: -settled.chargedMicros,
      availableMicros: -settled.chargedMicros,
      spend,
      settled: { callId, call: settled },
    });
  }

  async markApplied(_accountId: string, callId: string, appliedAt: string, chargedMicros: number): Promise<void> {
    const stored = this.calls.get(callId);
    if (!stored?.completion || stored.completion.appliedAt !== undefined) return;
    this.calls.set(callId, { ...stored, completion: { ...stored.completion, appliedAt, chargedMicros } });
  }

  async claimCompletion(callId: string, claim: CompletionClaim): Promise<ClaimOutcome> {
    const stored = this.calls.get(callId);
    if (!stored) return { kind: 'not-found' };
    if (stored.record.decision !== 'allow') return { kind: 'not-allowed', record: stored.record };
    if (stored.completion) return { kind: 'exists', record: stored.record, completion: stored.completion };
    this.calls.set(callId, { ...stored, completion: claim });
    return { kind: 'claimed', record: stored.record, completion: claim };
  }

  async recordProfile(accountId: string, destination: Destination, completion: Completion): Promise<CountryProfile> {
    const key = `${accountId}#${destination.country}`;
    const before = this.profiles.get(key);
    const days = new Set([...(before?.days ?? []), completion.completedAt.slice(0, 10)]);
    this.profiles.set(key, { completedCalls: (before?.completedCalls ?? 0) + 1, firstCompletedAt: before?.firstCompletedAt ?? completion.completedAt, days });
    const after = this.profiles.get(key);
    return { completedCalls: after?.completedCalls ?? 0, firstCompletedAt: after?.firstCompletedAt, distinctDays: days.size };
  }

  async addKnownCountry(accountId: string, country: string): Promise<void> {
    const { account, ledger } = this.account(accountId);
    if (!account.knownCountries.includes(country)) this.accounts.set(accountId, { account: { ...account, knownCountries: [...account.knownCountries, country] }, ledger });
  }

  async markToEnd(accountId: string, reason: string, at: string): Promise<void> {
    this.markers.set(accountId, { reason, at });
  }

  async toEndMarkers(): Promise<readonly { readonly accountId: string; readonly at: string }[]> {
    return [...this.markers].map(([accountId, { at }]) => ({ accountId, at }));
  }

  async clearToEndMarker(accountId: string, at: string): Promise<void> {
    if (this.markers.get(accountId)?.at === at) this.markers.delete(accountId);
  }

  private write(accountId: string, condition: (snapshot: AccountSnapshot) => boolean, change: LedgerChange): LedgerWrite {
    const current = this.accounts.get(accountId);
    if (!current || !condition(current)) return { ok: false, snapshot: current };
    const next = changed(current, change);
    this.accounts.set(accountId, next);
    return { ok: true, counters: { availableMicros: next.ledger.availableMicros, liveCallCount: next.ledger.liveCallCount } };
  }
}

