/**
 * `Balance Low` → an automatic top-up, at most once per crossing, at most `maxPerDay` per UTC day, never while the
 * account is under review.
 *
 * 1. A terminal claim for the crossing means a duplicated event: done. A pending one means an earlier delivery
 *    died after claiming: resume at step 4 (without re-planning: the provider may already have charged).
 * 2. Plan from the account (disabled, under review, not active, balance already recovered → a skipped claim).
 * 3. Claim the crossing and one of the day's top-ups in one transaction; over the cap → a skipped claim and
 *    `Top-up Failed` (the customer must know the balance stays low).
 * 4. Charge the provider with the claim's id as idempotency key. Unknown outcome (throws) → the event is retried.
 * 5. Succeeded: balance ADD + claim succeeded + `Balance Topped Up`; declined: claim failed + `Top-up Failed`.
 */
import type { AccountStore } from '../accounts/ports.js';
import type { EventDetail } from '../events/contracts.js';
import type { PaymentProvider } from '../payments/payment-provider.js';
import { fromMicros, toMicros } from '../shared/money.js';
import type { Clock } from '../shared/ports.js';
import { planTopUp, topUpDay, type TopUpSkipReason } from './auto-replenish.js';
import type { TopUpClaim, TopUpStore } from './ports.js';

export interface ReplenishBalancePorts {
  readonly topUps: TopUpStore;
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly payments: PaymentProvider;
  readonly clock: Clock;
}

/** What became of one delivery of a crossing; amounts in currency units, as the events carry them. */
export type ReplenishResult =
  | { readonly outcome: 'topped-up'; readonly amount: number; readonly paymentReference: string }
  | { readonly outcome: 'declined'; readonly amount: number; readonly failure: string }
  | { readonly outcome: 'duplicate' }
  | { readonly outcome: 'skipped'; readonly reason: TopUpSkipReason | 'account-not-found' };

export type BalanceCrossingEvent = Pick<EventDetail<'Balance Low'>, 'accountId' | 'crossingId'>;

export function makeReplenishBalance(ports: ReplenishBalancePorts) {
  return async ({ accountId, crossingId }: BalanceCrossingEvent): Promise<ReplenishResult> => {
    let claim = await ports.topUps.getClaim(accountId, crossingId);
    if (claim && claim.status !== 'pending') return { outcome: 'duplicate' };
    if (!claim) {
      const account = await ports.accounts.get(accountId);
      if (!account) return { outcome: 'skipped', reason: 'account-not-found' };
      const now = ports.clock.now();
      const base = { accountId, crossingId, day: topUpDay(now), createdAt: now.toISOString(), updatedAt: now.toISOString() };
      const plan = planTopUp(account);
      if (plan.kind === 'skip') return skip(ports.topUps, { ...base, status: 'skipped', reason: plan.reason, amountMicros: toMicros(account.policy.autoReplenish.amount) });
      const pending: TopUpClaim = { ...base, status: 'pending', amountMicros: plan.amountMicros };
      const claimed = await ports.topUps.claim(pending, plan.maxPerDay);
      // Another delivery of the same event holds the claim; it finishes the job (or its retry resumes it).
      if (claimed === 'exists') return { outcome: 'duplicate' };
      if (claimed === 'daily-cap') return skip(ports.topUps, { ...pending, status: 'skipped', reason: 'daily-cap' }, plan.maxPerDay);
      claim = pending;
    }

    const charge = await ports.payments.charge({
      accountId,
      amountMicros: claim.amountMicros,
      idempotencyKey: `topup:${accountId}:${crossingId}`,
      description: `Tollgate automatic top-up for ${accountId}`,
    });
    const at = ports.clock.now().toISOString();
    const amount = fromMicros(claim.amountMicros);
    if (charge.kind === 'succeeded') {
      // The balance in the event is as read just before the atomic ADD; a concurrent charge may move it slightly.
      const account = await ports.accounts.get(accountId);
      const balance = fromMicros((account?.balanceMicros ?? 0) + claim.amountMicros);
      const { paymentReference } = charge;
      const event = { eventId: `balance-topped-up:${crossingId}`, occurredAt: at, accountId, amount, balance, crossingId, paymentReference };
      const done = await ports.topUps.succeed(claim, paymentReference, at, event);
      return done === 'completed' ? { outcome: 'topped-up', amount, paymentReference } : { outcome: 'duplicate' };
    }
    const { failure } = charge;
    const done = await ports.topUps.fail(claim, failure, at, { eventId: `top-up-failed:${crossingId}`, occurredAt: at, accountId, amount, crossingId, failure });
    return done === 'completed' ? { outcome: 'declined', amount, failure } : { outcome: 'duplicate' };
  };
}

async function skip(topUps: TopUpStore, claim: TopUpClaim & { reason: TopUpSkipReason }, maxPerDay?: number): Promise<ReplenishResult> {
  const failure = claim.reason === 'daily-cap' ? `DAILY_CAP_REACHED: at most ${maxPerDay ?? 0} automatic top-up(s) per day` : undefined;
  const recorded = await topUps.skip(
    claim,
    failure
      ? { eventId: `top-up-failed:${claim.crossingId}`, occurredAt: claim.createdAt, accountId: claim.accountId, amount: fromMicros(claim.amountMicros), crossingId: claim.crossingId, failure }
      : undefined,
  );
  return recorded === 'exists' ? { outcome: 'duplicate' } : { outcome: 'skipped', reason: claim.reason };
}
