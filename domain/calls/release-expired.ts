/**
 * Releasing reservations that expired unreported (a switch that crashed, or lost its reports):
 *  1. Read the calls' decision records.
 *  2. A call whose completion was claimed a minute ago and never applied (its reporter died) is settled with it;
 *     one claimed just now is left to its reporter.
 *  3. Any other expired call is released: its slot and its reservation come back, nothing is charged.
 * Each write is conditioned on the live call as seen, so a settlement racing with the release is applied once.
 * Run when a limit refuses a call on an account holding expired reservations; the account's views already count
 * expired reservations as released.
 */
import type { AccountSnapshot } from '../policy/authorize-call.js';
import type { LiveCall } from './ledger.js';
import { releaseFrom } from './spend-windows.js';
import type { Clock } from '../shared/ports.js';
import type { LiveCallStore } from './ports.js';
import { applyAbandoned, isAbandoned } from './settle-call.js';

export function makeReleaseExpired(deps: { readonly store: LiveCallStore; readonly clock: Clock }) {
  return async function releaseExpired(snapshot: AccountSnapshot, calls: readonly LiveCall[]): Promise<void> {
    if (calls.length === 0) return;
    const accountId = snapshot.account.accountId;
    const now = deps.clock.now();
    const records = await deps.store.loadCalls(calls.map((call) => call.callId));
    for (const call of calls) {
      const stored = records.get(call.callId);
      // The reservation leaves the spend bucket it was counted in too: a late report then counts the real charge once.
      if (!stored?.completion) await deps.store.release(accountId, call, releaseFrom(call, call.reservedMicros));
      else if (isAbandoned(stored.completion, now)) await applyAbandoned(deps.store, stored.record, now);
    }
  };
}
