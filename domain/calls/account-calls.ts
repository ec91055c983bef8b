/**
 * An account's live calls (`GET /v1/accounts/{accountId}/calls`): each unexpired call on the ledger with where it
 * goes and when it was authorized (from its decision record), its grant and reservation, and whether it must end.
 */
import type { Destination } from '../policy/decision.js';
import type { Clock } from '../shared/ports.js';
import { activeCalls } from './ledger.js';
import { reasonToEnd, type StopReason } from './live-call-control.js';
import type { LiveCallStore } from './ports.js';

export interface AccountLiveCall {
  readonly callId: string;
  readonly destination: Destination | null;
  readonly authorizedAt: string | null;
  readonly grantedSeconds: number;
  readonly reservedMicros: number;
  readonly expiresAt: string;
  readonly toEnd: StopReason | null;
}

export function makeListAccountCalls(deps: { readonly store: Pick<LiveCallStore, 'readAccount' | 'loadCalls'>; readonly clock: Clock }) {
  /** Undefined when the account does not exist. */
  return async function listAccountCalls(accountId: string): Promise<{ calls: AccountLiveCall[]; reservedMicros: number } | undefined> {
    const snapshot = await deps.store.readAccount(accountId);
    if (!snapshot) return undefined;
    const live = activeCalls(snapshot.ledger, deps.clock.now().getTime());
    const records = await deps.store.loadCalls(live.map((call) => call.callId));
    const calls = live.map((call): AccountLiveCall => {
      const record = records.get(call.callId)?.record;
      const destination = record?.destination ?? null;
      return {
        callId: call.callId,
        destination,
        authorizedAt: record?.decidedAt ?? null,
        grantedSeconds: call.grantedSeconds,
        reservedMicros: call.reservedMicros,
        expiresAt: new Date(call.expiresAtMs).toISOString(),
        // A live call without its record cannot be matched against blocks; an account-wide reason still ends it.
        toEnd: reasonToEnd(snapshot.account, snapshot.ledger, destination ?? { country: '', e164: '' }),
      };
    });
    return { calls, reservedMicros: calls.reduce((sum, call) => sum + call.reservedMicros, 0) };
  };
}
