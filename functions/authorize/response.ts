/** The authorize answer as the contract states it: what the switch acts on, and why. */
import type { DecisionRecord } from '../../domain/policy/authorize-call.js';

export function toResponseBody(record: DecisionRecord, replayed: boolean) {
  return {
    callId: record.callId,
    decisionId: record.decisionId,
    decision: record.decision,
    reason: record.reason,
    sipCode: record.sipCode,
    sipReason: record.sipReason,
    accountId: record.accountId,
    destination: record.destination,
    ...(record.decision === 'allow' ? { maxDurationSeconds: record.maxDurationSeconds } : {}),
    ...(record.decision === 'allow' && record.interimSeconds !== null && record.interimSeconds !== undefined ? { interimSeconds: record.interimSeconds } : {}),
    rule: record.rule,
    // Every denial carries its hint; one made while degraded (or recorded before hints existed) has none to give.
    ...(record.decision === 'deny' ? { unblock: record.unblock ?? [] } : {}),
    decidedAt: record.decidedAt,
    replayed,
  };
}
