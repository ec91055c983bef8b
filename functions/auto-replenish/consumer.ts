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
import { planTopUp, topUpDay, type TopUpSkipReason } from '../../domain/balance/auto-replenish.js';
import { fromMicros, toMicros } from '../../domain/shared/money.js';
import type { TopUpClaim } from '../adapters/dynamodb/top-up-repository.js';
import { eventConsumer } from '../shared/event-consumer.js';
import type { Runtime } from '../shared/runtime.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import type { TopUpRepository } from '../adapters/dynamodb/top-up-repository.js';
import type { PaymentProvider } from '../../domain/payments/payment-provider.js';

export type AutoReplenishResult =
  | { readonly outcome: 'topped-up' | 'declined' | 'duplicate' }
  | { readonly outcome: 'skipped'; readonly reason: TopUpSkipReason | 'account-not-found' };

export interface AutoReplenishPorts {
  readonly topUps: Pick<TopUpRepository, 'getClaim' | 'claim' | 'succeed' | 'fail' | 'skip'>;
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly payments: PaymentProvider;
  readonly clock: Runtime['clock'];
  readonly logger: Runtime['logger'];
}

export function makeAutoReplenishConsumer(ports: AutoReplenishPorts) {
  return eventConsumer({ consumes: ['Balance Low'], logger: ports.logger }, async ({ detail }): Promise<AutoReplenishResult> => {
    const { accountId, crossingId } = detail;

    let claim = await ports.topUps.getClaim(accountId, crossingId);
    if (claim && claim.status !== 'pending') return { outcome: 'duplicate' };
    if (!claim) {
      const account = await ports.accounts.get(accountId);
      if (!account) {
        ports.logger.warn('balance low for an unknown account', { accountId, crossingId });
        return { outcome: 'skipped', reason: 'account-not-found' };
      }
      const now = ports.clock.now();
      const base = { accountId, crossingId, day: topUpDay(now), createdAt: now.toISOString(), updatedAt: now.toISOString() };
      const plan = planTopUp(account);
      if (plan.kind === 'skip') return skip(ports, { ...base, status: 'skipped', reason: plan.reason, amountMicros: toMicros(account.policy.autoReplenish.amount) });
      const pending: TopUpClaim = { ...base, status: 'pending', amountMicros: plan.amountMicros };
      const claimed = await ports.topUps.claim(pending, plan.maxPerDay);
      // Another delivery of the same event holds the claim; it finishes the job (or its retry resumes it).
      if (claimed === 'exists') return { outcome: 'duplicate' };
      if (claimed === 'daily-cap') return skip(ports, { ...pending, status: 'skipped', reason: 'daily-cap' }, plan.maxPerDay);
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
      const done = await ports.topUps.succeed(claim, charge.paymentReference, at, {
        eventId: `balance-topped-up:${crossingId}`,
        occurredAt: at,
        accountId,
        amount,
        balance,
        crossingId,
        paymentReference: charge.paymentReference,
      });
      if (done === 'completed') ports.logger.info('auto top-up succeeded', { accountId, crossingId, amount, paymentReference: charge.paymentReference });
      return { outcome: done === 'completed' ? 'topped-up' : 'duplicate' };
    }
    const done = await ports.topUps.fail(claim, charge.failure, at, { eventId: `top-up-failed:${crossingId}`, occurredAt: at, accountId, amount, crossingId, failure: charge.failure });
    if (done === 'completed') ports.logger.warn('auto top-up declined', { accountId, crossingId, amount, failure: charge.failure });
    return { outcome: done === 'completed' ? 'declined' : 'duplicate' };
  });
}

async function skip(ports: AutoReplenishPorts, claim: TopUpClaim & { reason: TopUpSkipReason }, maxPerDay?: number): Promise<AutoReplenishResult> {
  const failure = claim.reason === 'daily-cap' ? `DAILY_CAP_REACHED: at most ${maxPerDay ?? 0} automatic top-up(s) per day` : undefined;
  const recorded = await ports.topUps.skip(
    claim,
    failure
      ? { eventId: `top-up-failed:${claim.crossingId}`, occurredAt: claim.createdAt, accountId: claim.accountId, amount: fromMicros(claim.amountMicros), crossingId: claim.crossingId, failure }
      : undefined,
  );
  if (recorded === 'exists') return { outcome: 'duplicate' };
  ports.logger.info('auto top-up skipped', { accountId: claim.accountId, crossingId: claim.crossingId, reason: claim.reason });
  return { outcome: 'skipped', reason: claim.reason };
}

