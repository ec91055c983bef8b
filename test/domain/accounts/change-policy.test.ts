import { describe, expect, it } from 'vitest';
import type { Account, AccountPolicy } from '../../../domain/accounts/account.js';
import { carrierPolicySchema } from '../../../domain/accounts/carrier-policy.js';
import { makeChangePolicy } from '../../../domain/accounts/change-policy.js';
import type { AccountStore, PolicyChangeContext } from '../../../domain/accounts/ports.js';
import { account, policy } from '../../support/fixtures.js';

const NOW = new Date('2026-11-29T12:00:00.000Z');

function inMemoryAccounts(initial: Account, replaceAnswer?: 'conflict') {
  let stored = initial;
  const changes: PolicyChangeContext[] = [];
  const accounts: Pick<AccountStore, 'get' | 'replacePolicy'> = {
    get: async (accountId) => (accountId === stored.accountId ? stored : undefined),
    async replacePolicy(accountId, next, change) {
      if (accountId !== stored.accountId) return { kind: 'not-found' };
      if (replaceAnswer) return { kind: replaceAnswer };
      changes.push(change);
      const before = stored.policy;
      stored = { ...stored, policy: next, version: stored.version + 1 };
      return { kind: 'updated', account: stored, before, changedFields: ['maxRatePerMinute'] };
    },
  };
  return { accounts, changes, current: () => stored };
}

function changePolicyOn(store: ReturnType<typeof inMemoryAccounts>, allowPrivateTargets = false) {
  return makeChangePolicy({
    accounts: store.accounts,
    webhookRules: { allowPrivateTargets, requireHttps: true },
    detection: { newDestinationAttempts: 3, newDestinationTotalAttempts: 10, unusualCallMaxCost: 2 },
    clock: { now: () => NOW },
    ids: { newId: () => 'audit-1' },
  });
}

const capped: Account = account({ accountId: 'acme', carrierPolicy: carrierPolicySchema.parse({ maxRatePerMinute: 0.5 }) });
const looser: AccountPolicy = policy({ maxRatePerMinute: 2 });

describe('changePolicy', () => {
  it('writes an operator change beyond the carrier controls, audited with the actor and time', async () => {
    const store = inMemoryAccounts(capped);
    const outcome = await changePolicyOn(store)('acme', looser, { actor: 'admin:root', isCustomer: false });
    expect(outcome).toMatchObject({ kind: 'changed', changedFields: ['maxRatePerMinute'] });
    expect(store.changes).toEqual([{ actor: 'admin:root', at: NOW.toISOString(), auditId: 'audit-1' }]);
  });

  it("refuses a customer's change that loosens the carrier's controls, naming the field, and writes nothing", async () => {
    const store = inMemoryAccounts(capped);
    const outcome = await changePolicyOn(store)('acme', looser, { actor: 'customer:c1', isCustomer: true });
    expect(outcome.kind).toBe('beyond-carrier-controls');
    expect(outcome.kind === 'beyond-carrier-controls' && outcome.violations.map((violation) => violation.field)).toContain('maxRatePerMinute');
    expect(store.changes).toEqual([]);
  });

  it("lets a customer lower the unusual-destination cost cap but not raise it above the carrier's", async () => {
    const lower = await changePolicyOn(inMemoryAccounts(capped))('acme', policy({ maxRatePerMinute: 0.5, autoRestriction: { enabled: true, unusualCallMaxCost: 0.5 } }), {
      actor: 'customer:c1',
      isCustomer: true,
    });
    expect(lower.kind).toBe('changed');
    const store = inMemoryAccounts(capped);
    const higher = await changePolicyOn(store)('acme', policy({ maxRatePerMinute: 0.5, autoRestriction: { enabled: true, unusualCallMaxCost: 5 } }), {
      actor: 'customer:c1',
      isCustomer: true,
    });
    expect(higher).toMatchObject({ kind: 'beyond-carrier-controls', violations: [{ field: 'autoRestriction.unusualCallMaxCost' }] });
    expect(store.changes).toEqual([]);
  });

  it('refuses a webhook the stage may not call, naming notifications.webhookUrl', async () => {
    const store = inMemoryAccounts(capped);
    const withPrivateHook = policy({ notifications: { ...policy().notifications, webhookUrl: 'https://127.0.0.1/hook' } });
    const outcome = await changePolicyOn(store)('acme', withPrivateHook, { actor: 'admin:root', isCustomer: false });
    expect(outcome).toMatchObject({ kind: 'invalid', problems: [{ field: 'notifications.webhookUrl' }] });
    expect(store.changes).toEqual([]);
  });

  it('answers not-found and conflict as the store does', async () => {
    expect(await changePolicyOn(inMemoryAccounts(capped))('ghost', policy(), { actor: 'admin:root', isCustomer: false })).toEqual({ kind: 'not-found' });
    expect(await changePolicyOn(inMemoryAccounts(capped, 'conflict'))('acme', policy(), { actor: 'admin:root', isCustomer: false })).toEqual({ kind: 'conflict' });
  });
});
