/**
 * The to-end list (`GET /v1/calls/to-end`): the live calls a switch must end now, pulled every second.
 *  1. Read the accounts marked by a change that may end calls (suspension, restriction, policy, exhausted balance).
 *  2. List each marked account's unexpired live calls that must end (live-call-control.ts), as the account is now.
 *  3. Drop the markers of accounts with nothing left to end, unless a newer change rewrote the marker meanwhile.
 */
import type { AccountSnapshot } from '../policy/authorize-call.js';
import type { Destination } from '../policy/decision.js';
import type { Clock } from '../shared/ports.js';
import { activeCalls } from './ledger.js';
import { reasonToEnd, type StopReason } from './live-call-control.js';
import type { LiveCallStore } from './ports.js';

export interface CallToEnd {
  readonly callId: string;
  readonly accountId: string;
  readonly reason: StopReason;
}

/** The account's unexpired live calls that must end, given where each goes (from its decision record). */
export function callsToEndOf(snapshot: AccountSnapshot, destinations: ReadonlyMap<string, Pick<Destination, 'country' | 'e164'>>, nowMs: number): CallToEnd[] {
  return activeCalls(snapshot.ledger, nowMs).flatMap((call) => {
    const destination = destinations.get(call.callId);
    // A live call without its record cannot be matched against blocks; an account-wide reason still ends it.
    const reason = reasonToEnd(snapshot.account, snapshot.ledger, destination ?? { country: '', e164: '' });
    return reason ? [{ callId: call.callId, accountId: snapshot.account.accountId, reason }] : [];
  });
}

export function makeListCallsToEnd(deps: { readonly store: LiveCallStore; readonly clock: Clock }) {
  return async function listCallsToEnd(): Promise<CallToEnd[]> {
    const markers = await deps.store.toEndMarkers();
    if (markers.length === 0) return [];
    const snapshots = await deps.store.readAccounts(markers.map((marker) => marker.accountId));
    const nowMs = deps.clock.now().getTime();
    const records = await deps.store.loadCalls(snapshots.flatMap((snapshot) => activeCalls(snapshot.ledger, nowMs).map((call) => call.callId)));
    const destinations = new Map([...records].flatMap(([callId, stored]) => (stored.record.destination ? [[callId, stored.record.destination] as const] : [])));
    const byAccount = new Map(snapshots.map((snapshot) => [snapshot.account.accountId, callsToEndOf(snapshot, destinations, nowMs)]));
    const settled = markers.filter((marker) => (byAccount.get(marker.accountId) ?? []).length === 0);
    await Promise.all(settled.map((marker) => deps.store.clearToEndMarker(marker.accountId, marker.at)));
    return [...byAccount.values()].flat();
  };
}
