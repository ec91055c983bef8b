import { describe, expect, it } from 'vitest';
import type { Account } from '../../../domain/accounts/account.js';
import type { TopUpClaim, TopUpStore } from '../../../domain/balance/ports.js';
import { makeReplenishBalance } from '../../../domain/balance/replenish-balance.js';
import type { EventDetail } from '../../../domain/events/contracts.js';
import type { ChargeOutcome, PaymentProvider, TopUpCharge } from '../../../domain/payments/payment-provider.js';
import { toMicros } from '../../../domain/shared/money.js';
import { account, policy } from '../../support/fixtures.js';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const crossing = { accountId: 'acme', crossingId: 'acme:shard-1:42' };

const replenishing = (overrides: Partial<ReturnType<typeof policy>['autoReplenish']> = {}) =>
  policy({ autoReplenish: { enabled: true, threshold: 5, amount: 20, maxPerDay: 2, ...overrides } });

type Emitted = { readonly detailType: 'Balance Topped Up' | 'Top-up Failed'; readonly detail: EventDetail<'Balance Topped Up'> | EventDetail<'Top-up Failed'> };

/** The store's invariants as the DynamoDB adapter keeps them: one claim per crossing, a per-day counter, closes only from pending. */
class InMemoryTopUps implements TopUpStore {
  readonly claims = new Map<string, TopUpClaim>();
  readonly perDay = new Map<string, number>();
  readonly emitted: Emitted[] = [];

  constructor(private readonly accounts: Map<string, Account>) {}

  async getClaim(accountId: string, crossingId: string) {
    return this.claims.get(`${accountId}/${crossingId}`);
  }

  async claim(claim: TopUpClaim, maxPerDay: number) {
    if (this.claims.has(key(claim))) return 'exists' as const;
    const used = this.perDay.get(`${claim.accountId}/${claim.day}`) ?? 0;
    if (used >= maxPerDay) return 'daily-cap' as const;
    this.claims.set(key(claim), claim);
    this.perDay.set(`${claim.accountId}/${claim.day}`, used + 1);
    return 'claimed' as const;
  }

  async skip(claim: TopUpClaim, event?: EventDetail<'Top-up Failed'>) {
    if (this.claims.has(key(claim))) return 'exists' as const;
    this.claims.set(key(claim), claim);
    if (event) this.emitted.push({ detailType: 'Top-up Failed', detail: event });
    return 'recorded' as const;
  }

  async succeed(claim: TopUpClaim, paymentReference: string, at: string, event: EventDetail<'Balance Topped Up'>) {
    if (this.claims.get(key(claim))?.status !== 'pending') return 'already-completed' as const;
    const holder = this.accounts.get(claim.accountId);
    if (!holder) throw new Error(`account ${claim.accountId} no longer exists`);
    this.accounts.set(claim.accountId, { ...holder, balanceMicros: holder.balanceMicros + claim.amountMicros });
    this.claims.set(key(claim), { ...claim, status: 'succeeded', paymentReference, updatedAt: at });
    this.emitted.push({ detailType: 'Balance Topped Up', detail: event });
    return 'completed' as const;
  }

  async fail(claim: TopUpClaim, failure: string, at: string, event: EventDetail<'Top-up Failed'>) {
    if (this.claims.get(key(claim))?.status !== 'pending') return 'already-completed' as const;
    this.claims.set(key(claim), { ...claim, status: 'failed', failure, updatedAt: at });
    this.perDay.set(`${claim.accountId}/${claim.day}`, (this.perDay.get(`${claim.accountId}/${claim.day}`) ?? 1) - 1);
    this.emitted.push({ detailType: 'Top-up Failed', detail: event });
    return 'completed' as const;
  }
}

const key = (claim: TopUpClaim) => `${claim.accountId}/${claim.crossingId}`;

/** Answers a repeated idempotency key with its first outcome, as the PaymentProvider port requires. */
class ScriptedProvider implements PaymentProvider {
  readonly charges: TopUpCharge[] = [];
  private readonly answered = new Map<string, ChargeOutcome>();
  constructor(private answer: ChargeOutcome | 'unreachable' = { kind: 'succeeded', paymentReference: 'pay_1' }) {}

  answerWith(answer: ChargeOutcome | 'unreachable') {
    this.answer = answer;
  }

  async charge(request: TopUpCharge): Promise<ChargeOutcome> {
    const earlier = this.answered.get(request.idempotencyKey);
    if (earlier) return earlier;
    if (this.answer === 'unreachable') throw new Error('payment provider timed out');
    this.charges.push(request);
    this.answered.set(request.idempotencyKey, this.answer);
    return this.answer;
  }
}

function setUp(holder: Account | undefined, payments = new ScriptedProvider()) {
  const accounts = new Map<string, Account>(holder ? [[holder.accountId, holder]] : []);
  const topUps = new InMemoryTopUps(accounts);
  const replenish = makeReplenishBalance({ topUps, accounts: { get: async (accountId) => accounts.get(accountId) }, payments, clock: { now: () => NOW } });
  return { replenish, topUps, payments, accounts };
}

const low = (overrides: Partial<Account> = {}) => account({ balanceMicros: toMicros(2), policy: replenishing(), ...overrides });

describe('replenishBalance', () => {
  it('charges the configured amount once, credits it and emits Balance Topped Up', async () => {
    const { replenish, topUps, payments, accounts } = setUp(low());

    const result = await replenish(crossing);

    expect(result).toEqual({ outcome: 'topped-up', amount: 20, paymentReference: 'pay_1' });
    expect(payments.charges).toEqual([{ accountId: 'acme', amountMicros: toMicros(20), idempotencyKey: `topup:acme:${crossing.crossingId}`, description: 'Tollgate automatic top-up for acme' }]);
    expect(accounts.get('acme')?.balanceMicros).toBe(toMicros(22));
    expect(await topUps.getClaim('acme', crossing.crossingId)).toMatchObject({ status: 'succeeded', paymentReference: 'pay_1', day: '2026-11-25' });
    expect(topUps.emitted).toEqual([
      {
        detailType: 'Balance Topped Up',
        detail: { eventId: `balance-topped-up:${crossing.crossingId}`, occurredAt: NOW.toISOString(), accountId: 'acme', amount: 20, balance: 22, crossingId: crossing.crossingId, paymentReference: 'pay_1' },
      },
    ]);
  });

  it('records a declined charge as a failed claim, gives the day its top-up back and emits Top-up Failed', async () => {
    const { replenish, topUps, accounts } = setUp(low(), new ScriptedProvider({ kind: 'declined', failure: 'card_declined' }));

    const result = await replenish(crossing);

    expect(result).toEqual({ outcome: 'declined', amount: 20, failure: 'card_declined' });
    expect(accounts.get('acme')?.balanceMicros).toBe(toMicros(2));
    expect(await topUps.getClaim('acme', crossing.crossingId)).toMatchObject({ status: 'failed', failure: 'card_declined' });
    expect(topUps.perDay.get('acme/2026-11-25')).toBe(0);
    expect(topUps.emitted).toEqual([{ detailType: 'Top-up Failed', detail: { eventId: `top-up-failed:${crossing.crossingId}`, occurredAt: NOW.toISOString(), accountId: 'acme', amount: 20, crossingId: crossing.crossingId, failure: 'card_declined' } }]);
  });

  it('skips an account under review without charging and without telling the customer', async () => {
    const { replenish, topUps, payments } = setUp(low({ openReviewId: 'review-1' }));

    const result = await replenish(crossing);

    expect(result).toEqual({ outcome: 'skipped', reason: 'under-review' });
    expect(await topUps.getClaim('acme', crossing.crossingId)).toMatchObject({ status: 'skipped', reason: 'under-review', amountMicros: toMicros(20) });
    expect(payments.charges).toEqual([]);
    expect(topUps.emitted).toEqual([]);
  });

  it('skips an account whose auto-replenish is disabled', async () => {
    const { replenish, topUps, payments } = setUp(low({ policy: replenishing({ enabled: false }) }));

    expect(await replenish(crossing)).toEqual({ outcome: 'skipped', reason: 'disabled' });
    expect(await topUps.getClaim('acme', crossing.crossingId)).toMatchObject({ status: 'skipped', reason: 'disabled' });
    expect(payments.charges).toEqual([]);
  });

  it("skips at the daily cap and says so with Top-up Failed, leaving the day's count alone", async () => {
    const { replenish, topUps, payments } = setUp(low({ policy: replenishing({ maxPerDay: 1 }) }));
    topUps.perDay.set('acme/2026-11-25', 1);

    const result = await replenish(crossing);

    expect(result).toEqual({ outcome: 'skipped', reason: 'daily-cap' });
    expect(payments.charges).toEqual([]);
    expect(topUps.perDay.get('acme/2026-11-25')).toBe(1);
    expect(await topUps.getClaim('acme', crossing.crossingId)).toMatchObject({ status: 'skipped', reason: 'daily-cap' });
    expect(topUps.emitted).toEqual([
      {
        detailType: 'Top-up Failed',
        detail: { eventId: `top-up-failed:${crossing.crossingId}`, occurredAt: NOW.toISOString(), accountId: 'acme', amount: 20, crossingId: crossing.crossingId, failure: 'DAILY_CAP_REACHED: at most 1 automatic top-up(s) per day' },
      },
    ]);
  });

  it('treats a second delivery of the same crossing as a duplicate: one charge, one credit, one event', async () => {
    const { replenish, topUps, payments, accounts } = setUp(low());

    const first = await replenish(crossing);
    const second = await replenish(crossing);

    expect([first.outcome, second.outcome]).toEqual(['topped-up', 'duplicate']);
    expect(payments.charges).toHaveLength(1);
    expect(accounts.get('acme')?.balanceMicros).toBe(toMicros(22));
    expect(topUps.emitted).toHaveLength(1);
  });

  it('lets only one of two simultaneous deliveries claim the crossing', async () => {
    const { replenish, payments, accounts } = setUp(low());

    const outcomes = await Promise.all([replenish(crossing), replenish(crossing)]);

    expect(outcomes.map((result) => result.outcome).sort()).toEqual(['duplicate', 'topped-up']);
    expect(payments.charges).toHaveLength(1);
    expect(accounts.get('acme')?.balanceMicros).toBe(toMicros(22));
  });

  it('resumes a pending claim with its own amount, without planning again, after an earlier delivery died', async () => {
    // The earlier delivery claimed 15; since then the account went under review and its amount changed to 20.
    const { replenish, topUps, payments, accounts } = setUp(low({ openReviewId: 'review-1' }));
    const pending: TopUpClaim = { ...crossing, status: 'pending', amountMicros: toMicros(15), day: '2026-11-24', createdAt: '2026-11-24T23:59:00.000Z', updatedAt: '2026-11-24T23:59:00.000Z' };
    topUps.claims.set(key(pending), pending);

    const result = await replenish(crossing);

    expect(result).toEqual({ outcome: 'topped-up', amount: 15, paymentReference: 'pay_1' });
    expect(payments.charges.map((charge) => charge.amountMicros)).toEqual([toMicros(15)]);
    expect(accounts.get('acme')?.balanceMicros).toBe(toMicros(17));
    expect(await topUps.getClaim('acme', crossing.crossingId)).toMatchObject({ status: 'succeeded', day: '2026-11-24' });
  });

  it('throws while the provider cannot answer, leaving the claim pending for the retry', async () => {
    const payments = new ScriptedProvider('unreachable');
    const { replenish, topUps, accounts } = setUp(low(), payments);

    await expect(replenish(crossing)).rejects.toThrow('payment provider timed out');
    expect(await topUps.getClaim('acme', crossing.crossingId)).toMatchObject({ status: 'pending' });

    payments.answerWith({ kind: 'succeeded', paymentReference: 'pay_2' });
    expect(await replenish(crossing)).toEqual({ outcome: 'topped-up', amount: 20, paymentReference: 'pay_2' });
    expect(accounts.get('acme')?.balanceMicros).toBe(toMicros(22));
  });

  it('skips a crossing of an account that does not exist, writing nothing', async () => {
    const { replenish, topUps, payments } = setUp(undefined);

    expect(await replenish(crossing)).toEqual({ outcome: 'skipped', reason: 'account-not-found' });
    expect(topUps.claims.size).toBe(0);
    expect(payments.charges).toEqual([]);
  });
});
