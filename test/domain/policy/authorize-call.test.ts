import { describe, expect, it } from 'vitest';
import type { Account } from '../../../domain/accounts/account.js';
import type { LiveCall } from '../../../domain/calls/ledger.js';
import { makeAuthorizeCall, makeDegradedDecision, type AccountSnapshot, type AuthorizeOutcome } from '../../../domain/policy/authorize-call.js';
import { PrefixSet } from '../../../domain/policy/prefix-set.js';
import { accountSnapshot } from '../../support/account-snapshot.js';
import { account, fixtureDeck, policy, request, SETTINGS } from '../../support/fixtures.js';
import { InMemoryAuthorizationStore, sequentialIds, staticBanList, staticReferenceData } from '../../support/in-memory-authorization-store.js';
import { settableClock } from '../../support/settable-clock.js';

const NOW = '2026-11-29T12:00:00.000Z';
const BALANCE = 10_000_000;
/** What request()'s call (to the US at 0.0045 a minute) is granted on a 10.00 balance, and reserves. */
const GRANTED_SECONDS = 14_400;
const RESERVED = 1_080_000;

const referenceData = staticReferenceData(fixtureDeck(), new PrefixSet(['881']));
const notUsed = async () => {
  throw new Error('not used');
};

/** Another call of the account, in progress since a minute ago. */
const OTHER_CALL: LiveCall = { callId: 'other', reservedMicros: 90_000, grantedSeconds: 180, expiresAtMs: Date.parse(NOW) + 240_000 };

/** The store holds `stored`; the process holds `copy` of it (null: a cold process). */
function setUp({ stored = accountSnapshot(account()), copy = stored as AccountSnapshot | null } = {}) {
  const store = new InMemoryAuthorizationStore({ accounts: [stored], copies: copy ? [copy] : [] });
  const deps = { store, referenceData, bans: staticBanList(), clock: settableClock(NOW), ids: sequentialIds('decision'), settings: SETTINGS };
  const authorize = makeAuthorizeCall({ ...deps, releaseExpired: notUsed, pause: async () => undefined });
  const degraded = (failMode: 'deny' | 'allow') => makeDegradedDecision({ ...deps, failMode, failOpenMaxSeconds: 600 });
  return { store, authorize, degraded };
}

function recordOf(outcome: AuthorizeOutcome) {
  if (outcome.kind !== 'decided') throw new Error(`expected a decision, got ${outcome.kind}`);
  return outcome.record;
}

const withConcurrency = (limit: number): Partial<Account> => ({ policy: policy({ limits: { callsPerMinute: null, concurrentCalls: limit, spendPerHour: null, spendPerDay: null } }) });

describe('authorizeCall', () => {
  it('allows a call on its copy of the account and commits it in one round, taking the slot and the reservation', async () => {
    const { store, authorize } = setUp();

    const outcome = await authorize(request());

    expect(outcome).toMatchObject({
      kind: 'decided',
      replayed: false,
      record: { decision: 'allow', reason: 'ALLOWED', sipCode: 200, maxDurationSeconds: GRANTED_SECONDS, callId: 'call-1' },
      trace: { rounds: 1, cached: true },
    });
    expect(store.reads).toBe(0);
    expect(store.commits).toHaveLength(1);
    expect(store.decisions.get('call-1')).toEqual(recordOf(outcome));
    expect(store.account('acme').ledger).toMatchObject({
      liveCalls: [expect.objectContaining({ callId: 'call-1', grantedSeconds: GRANTED_SECONDS, reservedMicros: RESERVED })],
      liveCallCount: 1,
      availableMicros: BALANCE - RESERVED,
    });
  });

  it('reads the account first in a cold process', async () => {
    const { store, authorize } = setUp({ copy: null });

    const outcome = await authorize(request());

    expect(outcome).toMatchObject({ kind: 'decided', record: { decision: 'allow' }, trace: { rounds: 2, cached: false } });
    expect(store.reads).toBe(1);
    expect(store.account('acme').ledger.liveCallCount).toBe(1);
  });

  it('denies, not fails, a call whose commit finds the concurrency limit reached since its copy', async () => {
    // The copy shows a free slot; another process has since taken the only one.
    const { store, authorize } = setUp({
      copy: accountSnapshot(account(withConcurrency(1))),
      stored: accountSnapshot(account(withConcurrency(1)), { liveCalls: [OTHER_CALL] }),
    });

    const outcome = await authorize(request());

    expect(outcome).toMatchObject({ kind: 'decided', record: { decision: 'deny', reason: 'CONCURRENCY_LIMIT', sipCode: 486, maxDurationSeconds: null } });
    // The record the first round wrote is replaced by the denial; nothing is taken.
    expect(store.commits.map((commit) => [commit.record.reason, commit.commitment !== undefined, commit.replacing])).toEqual([
      ['ALLOWED', true, undefined],
      ['CONCURRENCY_LIMIT', false, 'decision-1'],
    ]);
    expect(store.decisions.get('call-1')).toMatchObject({ reason: 'CONCURRENCY_LIMIT' });
    expect(store.account('acme').ledger).toMatchObject({ liveCalls: [OTHER_CALL], liveCallCount: 1 });
  });

  it('confirms a limit denial decided on its copy by a read, and allows the call the copy refused', async () => {
    // The copy still shows a call that has since ended.
    const { store, authorize } = setUp({
      copy: accountSnapshot(account(withConcurrency(1)), { liveCalls: [OTHER_CALL] }),
      stored: accountSnapshot(account(withConcurrency(1))),
    });

    const outcome = await authorize(request());

    expect(outcome).toMatchObject({ kind: 'decided', record: { decision: 'allow', maxDurationSeconds: GRANTED_SECONDS } });
    expect(store.reads).toBe(1);
    expect(store.account('acme').ledger.liveCalls).toEqual([expect.objectContaining({ callId: 'call-1' })]);
  });

  it('answers a retried callId with its first decision and does not take the call twice', async () => {
    const { store, authorize } = setUp();
    const first = await authorize(request());

    const retry = await authorize(request());

    expect(retry).toMatchObject({ kind: 'decided', replayed: true });
    expect(recordOf(retry)).toEqual(recordOf(first));
    expect(store.account('acme').ledger).toMatchObject({ liveCallCount: 1, availableMicros: BALANCE - RESERVED });
  });

  it('gives back what a retry took when its first decision was a denial, and answers that denial', async () => {
    const { store, authorize } = setUp({ stored: accountSnapshot(account({ balanceMicros: 0 })), copy: null });
    const first = await authorize(request());
    // Topped up before the switch retries: the retry alone would be allowed.
    store.accounts.set('acme', accountSnapshot(account({ balanceMicros: BALANCE })));

    const retry = await authorize(request());

    expect(first).toMatchObject({ record: { decision: 'deny', reason: 'INSUFFICIENT_BALANCE', sipCode: 402 } });
    expect(retry).toMatchObject({ kind: 'decided', replayed: true, record: { decision: 'deny', reason: 'INSUFFICIENT_BALANCE', decisionId: 'decision-1' } });
    expect(store.undone).toHaveLength(1);
    expect(store.account('acme').ledger).toMatchObject({ liveCalls: [], liveCallCount: 0, availableMicros: BALANCE });
  });

  it('answers call-id-conflict when the callId of a decided call comes with a different call', async () => {
    const { store, authorize } = setUp();
    await authorize(request());

    const reuse = await authorize(request({ to: '+12125550999' }));

    expect(reuse).toMatchObject({ kind: 'call-id-conflict', existing: { decisionId: 'decision-1', request: { to: '+12125550123' } } });
    expect(store.decisions.get('call-1')).toMatchObject({ decisionId: 'decision-1' });
    expect(store.account('acme').ledger).toMatchObject({ liveCallCount: 1, availableMicros: BALANCE - RESERVED });
  });
});

describe('degradedDecision', () => {
  it('refuses a call it would allow, with SERVICE_DEGRADED, in fail mode deny', () => {
    const { store, degraded } = setUp();

    const record = degraded('deny')(request(), 'unavailable');

    expect(record).toMatchObject({ decision: 'deny', reason: 'SERVICE_DEGRADED', sipCode: 603, maxDurationSeconds: null, callId: 'call-1' });
    expect(store.reads).toBe(0);
    expect(store.commits).toHaveLength(0);
  });

  it('allows a call it would allow for at most the fail-open duration, with no interim updates, in fail mode allow', () => {
    const { store, degraded } = setUp();

    const record = degraded('allow')(request(), 'unavailable');

    expect(record).toMatchObject({ decision: 'allow', sipCode: 200, maxDurationSeconds: 600, interimSeconds: null, callId: 'call-1' });
    expect(store.reads).toBe(0);
    expect(store.commits).toHaveLength(0);
  });

  it('still refuses, in fail mode allow, what the last state it read refuses', () => {
    const { degraded } = setUp({ stored: accountSnapshot(account({ status: 'suspended' })) });
    expect(degraded('allow')(request(), 'unavailable')).toMatchObject({ decision: 'deny', reason: 'ACCOUNT_SUSPENDED', sipCode: 403 });
  });

  it('never allows a caller whose credential could not be verified', () => {
    const { degraded } = setUp();
    expect(degraded('allow')(request(), 'unverified-credential')).toMatchObject({ decision: 'deny', reason: 'SERVICE_DEGRADED', sipCode: 603 });
  });
});
