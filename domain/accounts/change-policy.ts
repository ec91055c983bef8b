/**
 * A customer or an operator replaces an account's own policy. A webhook URL must be a target this stage may call; a
 * customer may only make the policy as strict as the carrier's controls or stricter (an operator may write beyond
 * them, and calls are decided on the stricter of the two all the same). The change is audited and emits
 * `Policy Changed` in the same write (the store's transaction).
 */
import { webhookUrlProblem, type WebhookTargetRules } from '../notifications/webhook-url.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import type { Account, AccountPolicy } from './account.js';
import { carrierPolicyViolations, defaultCarrierPolicy, type DetectionDefaults, type PolicyViolation } from './carrier-policy.js';
import type { AccountStore } from './ports.js';

export interface ChangePolicyPorts {
  readonly accounts: Pick<AccountStore, 'get' | 'replacePolicy'>;
  readonly webhookRules: WebhookTargetRules;
  readonly detection: DetectionDefaults;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export type ChangePolicyOutcome =
  | { readonly kind: 'changed'; readonly account: Account; readonly changedFields: readonly string[] }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'invalid'; readonly problems: readonly PolicyViolation[] }
  /** The customer's policy would loosen the carrier's controls: each field that would. */
  | { readonly kind: 'beyond-carrier-controls'; readonly violations: readonly PolicyViolation[] }
  | { readonly kind: 'conflict' };

export function makeChangePolicy(ports: ChangePolicyPorts) {
  return async function changePolicy(accountId: string, policy: AccountPolicy, by: { readonly actor: string; readonly isCustomer: boolean }): Promise<ChangePolicyOutcome> {
    const account = await ports.accounts.get(accountId);
    if (!account) return { kind: 'not-found' };
    const webhookProblem = policy.notifications.webhookUrl ? webhookUrlProblem(policy.notifications.webhookUrl, ports.webhookRules) : undefined;
    if (webhookProblem) return { kind: 'invalid', problems: [{ field: 'notifications.webhookUrl', message: webhookProblem }] };
    if (by.isCustomer) {
      const violations = carrierPolicyViolations(policy, account.carrierPolicy ?? defaultCarrierPolicy(), ports.detection, account.customerPolicy ?? account.policy);
      if (violations.length > 0) return { kind: 'beyond-carrier-controls', violations };
    }
    const outcome = await ports.accounts.replacePolicy(accountId, policy, { actor: by.actor, at: ports.clock.now().toISOString(), auditId: ports.ids.newId() });
    if (outcome.kind !== 'updated') return outcome;
    return { kind: 'changed', account: outcome.account, changedFields: outcome.changedFields };
  };
}
