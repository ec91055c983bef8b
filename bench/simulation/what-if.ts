/**
 * `--what-if '{"newDestinationAttempts":2}'`: after the run, POST /v1/what-if replays the run's decisions with those
 * carrier-wide detection thresholds, and the simulator, which knows which calls are attacks and which accounts are
 * ordinary, says what the stricter (or looser) thresholds would have cost and saved: ordinary accounts hit (and their
 * calls newly denied), and per attack the allowed calls and dollars it would have stopped.
 */
import type { AttackInfo, CallRecord, SimAccount } from './model.js';

export interface CarrierWhatIfAnswer {
  readonly detection: Record<string, unknown>;
  readonly totals: Record<string, number>;
  readonly accounts: readonly {
    readonly accountId: string;
    readonly knownFraud: boolean;
    readonly newlyDenied: number;
    readonly newlyAllowed: number;
    readonly spendAvoided: number;
    readonly newlyDeniedCalls: readonly { readonly callId: string; readonly cost: { readonly amount: number; readonly basis: string } | null }[];
  }[];
}

export interface WhatIfSummary {
  readonly detection: Record<string, unknown>;
  readonly totals: Record<string, number>;
  readonly ordinaryAccounts: number;
  /** Ordinary accounts with at least one of their own calls newly denied. */
  readonly ordinaryAccountsHit: number;
  readonly ordinaryCallsNewlyDenied: number;
  /** Victims' own (non-attack) calls newly denied. */
  readonly victimOwnCallsNewlyDenied: number;
  readonly attacks: readonly {
    readonly id: string;
    readonly victim: string | null;
    readonly allowedBefore: number;
    readonly newlyDenied: number;
    readonly dollarsAvoided: number;
  }[];
  /** Calls listed per account are capped: true when an account had more newly denied than were listed. */
  readonly truncated: boolean;
}

export function summarizeWhatIf(answer: CarrierWhatIfAnswer, calls: readonly CallRecord[], accounts: readonly SimAccount[], attacks: readonly AttackInfo[]): WhatIfSummary {
  const originOf = new Map(calls.map((call) => [call.callId, call.origin]));
  const roleOf = new Map(accounts.map((account) => [account.accountId, account.role]));
  const byAttack = new Map<string, { newlyDenied: number; dollars: number }>();
  const ordinaryHit = new Set<string>();
  let ordinaryCalls = 0;
  let victimOwnCalls = 0;
  let truncated = false;
  for (const impact of answer.accounts) {
    if (impact.newlyDeniedCalls.length < impact.newlyDenied) truncated = true;
    for (const call of impact.newlyDeniedCalls) {
      const origin = originOf.get(call.callId) ?? 'unknown';
      if (origin === 'ordinary') {
        if (roleOf.get(impact.accountId) === 'ordinary') {
          ordinaryHit.add(impact.accountId);
          ordinaryCalls += 1;
        } else victimOwnCalls += 1;
        continue;
      }
      const tally = byAttack.get(origin) ?? { newlyDenied: 0, dollars: 0 };
      tally.newlyDenied += 1;
      tally.dollars += call.cost?.amount ?? 0;
      byAttack.set(origin, tally);
    }
  }
  return {
    detection: answer.detection,
    totals: answer.totals,
    ordinaryAccounts: accounts.filter((account) => account.role === 'ordinary').length,
    ordinaryAccountsHit: ordinaryHit.size,
    ordinaryCallsNewlyDenied: ordinaryCalls,
    victimOwnCallsNewlyDenied: victimOwnCalls,
    attacks: attacks.map((attack) => {
      const tally = byAttack.get(attack.id);
      return {
        id: attack.id,
        victim: attack.victim ?? null,
        allowedBefore: calls.filter((call) => call.origin === attack.id && call.decision === 'allow').length,
        newlyDenied: tally?.newlyDenied ?? 0,
        dollarsAvoided: Math.round((tally?.dollars ?? 0) * 100) / 100,
      };
    }),
    truncated,
  };
}
