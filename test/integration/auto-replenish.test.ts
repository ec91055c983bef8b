import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TollgateEvent } from '../../domain/events/contracts.js';
import { toMicros } from '../../domain/shared/money.js';
import { SimulatedPaymentProvider } from '../../functions/adapters/payments/simulated-provider.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

let stack: TestStack;
let payments: SimulatedPaymentProvider;

const replenish = (maxPerDay = 2) => ({ autoReplenish: { enabled: true, threshold: 5, amount: 20, maxPerDay } });

async function createAccount(accountId: string, policy: Record<string, unknown>, balance: number) {
  const admin = { token: stack.adminToken };
  expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId, name: accountId, homeCountry: 'US' } })).status).toBe(201);
  expect((await stack.call('PUT', `/v1/accounts/${accountId}/policy`, { ...admin, body: policy })).status).toBe(200);
  expect((await stack.call('POST', `/v1/accounts/${accountId}/credits`, { ...admin, body: { amount: balance } })).status).toBe(200);
}

/** Stands in for call charges (the call-completion path): an atomic debit that the table stream sees. */
async function charge(accountId: string, amount: number) {
  await stack.adapters.accounts.credit(accountId, -toMicros(amount));
  await stack.events.settle();
}

const ofType = (detailType: string, accountId: string) =>
  stack.events.bus.published.filter((event) => event['detail-type'] === detailType && (event.detail as { accountId?: string }).accountId === accountId);

async function balanceOf(accountId: string) {
  return (await stack.call('GET', `/v1/accounts/${accountId}`, { token: stack.adminToken })).body.balance as number;
}

beforeAll(async () => {
  stack = await startTestStack({ eventBaseDelayMs: 20 });
  if (!(stack.adapters.payments instanceof SimulatedPaymentProvider)) throw new Error('the local stack should use the simulated provider');
  payments = stack.adapters.payments;
});

beforeEach(() => {
  payments.setMode('succeed');
});

afterAll(async () => {
  await stack?.stop();
});

describe('auto-replenish on Balance Low', () => {
  it('tops up once when a charge crosses the threshold, even when Balance Low arrives three times', async () => {
    await createAccount('once', replenish(), 10);
    await charge('once', 8); // 10 → 2: crosses the threshold of 5

    const [low] = ofType('Balance Low', 'once');
    expect(low?.detail).toMatchObject({ balance: 2, threshold: 5 });
    const duplicate: TollgateEvent = { detailType: 'Balance Low', detail: low?.detail as never };
    await stack.events.bus.publish([duplicate]);
    await stack.events.bus.publish([duplicate]);
    await stack.events.settle();

    const toppedUp = ofType('Balance Topped Up', 'once');
    expect(toppedUp).toHaveLength(1);
    expect(toppedUp[0]?.detail).toMatchObject({ amount: 20, balance: 22, crossingId: (low?.detail as { crossingId: string }).crossingId });
    expect(await balanceOf('once')).toBe(22);
    expect([...payments.charges.values()].filter((entry) => entry.accountId === 'once')).toHaveLength(1);
  });

  it('passes the claim id to the provider as the idempotency key', async () => {
    await createAccount('keyed', replenish(), 10);
    await charge('keyed', 9);
    const crossingId = (ofType('Balance Low', 'keyed')[0]?.detail as { crossingId: string }).crossingId;
    expect(payments.charges.has(`topup:keyed:${crossingId}`)).toBe(true);
  });

  it('stops at the daily cap and says so with Top-up Failed', async () => {
    await createAccount('capped', replenish(1), 10);
    await charge('capped', 8); // crossing 1: topped up to 22
    await charge('capped', 20); // crossing 2 the same day: over the cap

    expect(ofType('Balance Topped Up', 'capped')).toHaveLength(1);
    const failed = ofType('Top-up Failed', 'capped');
    expect(failed).toHaveLength(1);
    expect((failed[0]?.detail as { failure: string }).failure).toMatch(/^DAILY_CAP_REACHED/);
    expect(await balanceOf('capped')).toBe(2);
  });

  it('does not top up while a review is open', async () => {
    await createAccount('flagged', replenish(), 10);
    await stack.events.bus.publish([
      {
        detailType: 'Destination Restricted',
        detail: {
          eventId: 'flagged-restricted-1',
          occurredAt: new Date().toISOString(),
          accountId: 'flagged',
          destination: 'LT',
          callId: 'flagged-call-1',
          evidence: { rule: 'burst-to-new-destination', destinations: ['LT'], attempts: 4, newDestinationAttempts: 4, windowMinutes: 10, spendLastHour: 0, thresholds: { newDestinationAttempts: 4 } },
        },
      },
    ]);
    await stack.events.settle();
    expect((await stack.adapters.accounts.get('flagged'))?.openReviewId).toEqual(expect.any(String));

    await charge('flagged', 8);

    const crossingId = (ofType('Balance Low', 'flagged')[0]?.detail as { crossingId: string }).crossingId;
    expect(await stack.adapters.topUps.getClaim('flagged', crossingId)).toMatchObject({ status: 'skipped', reason: 'under-review' });
    expect(ofType('Balance Topped Up', 'flagged')).toHaveLength(0);
    expect(await balanceOf('flagged')).toBe(2);
  });

  it('does nothing for an account without auto-replenish', async () => {
    await createAccount('manual', { autoReplenish: { enabled: false, threshold: 5, amount: 20, maxPerDay: 1 } }, 10);
    await charge('manual', 8);
    expect(ofType('Balance Low', 'manual')).toHaveLength(1);
    expect(ofType('Balance Topped Up', 'manual')).toHaveLength(0);
    expect(ofType('Top-up Failed', 'manual')).toHaveLength(0);
  });

  it('records a declined payment as Top-up Failed and gives the day its top-up back', async () => {
    await createAccount('declined', replenish(1), 10);
    payments.setMode('fail');
    await charge('declined', 8);

    const failed = ofType('Top-up Failed', 'declined');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.detail).toMatchObject({ amount: 20, failure: expect.stringContaining('declined') });
    expect(await balanceOf('declined')).toBe(2);

    payments.setMode('succeed');
    await stack.adapters.accounts.credit('declined', toMicros(10)); // back above the threshold
    await charge('declined', 10); // a new crossing: the failed attempt did not use the day's only top-up
    expect(ofType('Balance Topped Up', 'declined')).toHaveLength(1);
  });

  it('keeps the claim pending while the provider is unreachable, and a redrive completes it once', async () => {
    await createAccount('flaky', replenish(), 10);
    payments.setMode('unavailable');
    await charge('flaky', 8); // every delivery attempt throws: retried, then dead-lettered

    const letter = stack.events.bus.deadLetters.find((entry) => entry.consumer === 'auto-replenish' && (entry.event.detail as { accountId: string }).accountId === 'flaky');
    expect(letter?.attempts).toBeGreaterThan(1);
    const crossingId = (letter?.event.detail as { crossingId: string }).crossingId;
    expect(await stack.adapters.topUps.getClaim('flaky', crossingId)).toMatchObject({ status: 'pending' });

    payments.setMode('succeed');
    await stack.events.bus.publish([{ detailType: 'Balance Low', detail: letter?.event.detail as never }]);
    await stack.events.settle();

    expect(ofType('Balance Topped Up', 'flaky')).toHaveLength(1);
    expect(await stack.adapters.topUps.getClaim('flaky', crossingId)).toMatchObject({ status: 'succeeded' });
    expect(await balanceOf('flaky')).toBe(22);
  });
});
