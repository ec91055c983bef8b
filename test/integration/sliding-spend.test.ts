/**
 * Sliding spend windows over HTTP against DynamoDB Local, on a clock the test moves: within any 60 minutes and any
 * 24 hours, reserved plus settled spend stays within spendPerHour / spendPerDay, across a fixed hour's or day's end
 * and for simultaneous attempts on either side of a bucket boundary (issue 14: a $0.05/h cap spent twice in 23 s
 * across 18:00).
 */
import { readFileSync } from 'node:fs';
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spendBucket } from '../../domain/calls/spend-windows.js';
import { settableClock } from '../support/settable-clock.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const SAMPLE_DECK = readFileSync(new URL('../../data/ratedeck-sample.csv', import.meta.url), 'utf8');

let stack: TestStack;
let switchToken: string;
let sequence = 0;
const clock = settableClock('2026-11-29T12:00:00.000Z');
/** Added to the clock for each reading (a writer whose clock is a little behind or ahead); none by default. */
let jitter: () => number = () => 0;

interface Decision {
  callId: string;
  decision: 'allow' | 'deny';
  reason: string;
  maxDurationSeconds?: number;
  destination: { ratePerMinute: number } | null;
  rule: { evidence: Record<string, unknown> };
}

async function createAccount(accountId: string, policy: Record<string, unknown>, balance: number): Promise<void> {
  const admin = { token: stack.adminToken };
  expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId, name: accountId, homeCountry: 'US' } })).status).toBe(201);
  expect((await stack.call('PUT', `/v1/accounts/${accountId}/policy`, { ...admin, body: { allowedIps: ['203.0.113.0/24'], ...policy } })).status).toBe(200);
  expect((await stack.call('POST', `/v1/accounts/${accountId}/credits`, { ...admin, body: { amount: balance } })).status).toBe(200);
}

async function authorize(accountId: string): Promise<Decision> {
  sequence += 1;
  const body = { callId: `ss-${sequence}`, to: `+1212555${String(1000 + (sequence % 9000)).padStart(4, '0')}`, from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId };
  const response = await stack.call('POST', '/v1/authorize', { token: switchToken, body });
  expect(response.status).toBe(200);
  return response.body as Decision;
}

async function together(count: number, accountId: string): Promise<Decision[]> {
  return Promise.all(Array.from({ length: count }, () => authorize(accountId)));
}

async function complete(callId: string, durationSeconds: number) {
  const response = await stack.call('POST', `/v1/calls/${callId}/completed`, { token: switchToken, body: { durationSeconds, endedAt: clock.now().toISOString() } });
  expect(response.status).toBe(200);
  return response.body as { charged: number };
}

/** What the allowed calls may cost, as granted (their reservations, in micros). */
function reservedMicros(decisions: readonly Decision[]): number {
  return decisions
    .filter((decision) => decision.decision === 'allow')
    .reduce((sum, decision) => sum + Math.ceil(((decision.maxDurationSeconds ?? 0) * (decision.destination?.ratePerMinute ?? 0) * 1e6) / 60), 0);
}

/** The account's item as stored: its spend buckets by window. */
async function spendBuckets(accountId: string): Promise<{ hour: Record<number, number>; day: Record<number, number> }> {
  const result = await stack.runtime.client.send(new GetItemCommand({ TableName: stack.tableName, Key: marshall({ pk: `ACCOUNT#${accountId}`, sk: 'STATE' }), ConsistentRead: true }));
  const item = unmarshall(result.Item ?? {});
  const of = (prefix: string) => Object.fromEntries(Object.entries(item).filter(([name]) => name.startsWith(prefix)).map(([name, value]) => [Number(name.slice(prefix.length)), Number(value)]));
  return { hour: of('sh#'), day: of('sd#') };
}

const sum = (buckets: Record<number, number>) => Object.values(buckets).reduce((total, micros) => total + micros, 0);

beforeAll(async () => {
  stack = await startTestStack({ clock: { now: () => new Date(clock.now().getTime() + jitter()) } });
  expect((await stack.call('PUT', '/v1/rate-deck', { token: stack.adminToken, rawBody: SAMPLE_DECK, contentType: 'text/csv' })).status).toBe(200);
  switchToken = await stack.issue('switch');
});

afterAll(async () => {
  await stack?.stop();
});

describe('sliding spend windows', () => {
  it('refuses a second burst 23 s later across 18:00 once a burst reached spendPerHour, and frees it 60 minutes (and a bucket) on', async () => {
    clock.set('2026-11-29T17:50:00.000Z');
    await createAccount('hourly-cap', { limits: { spendPerHour: 0.05 } }, 10);

    clock.set('2026-11-29T17:59:50.000Z');
    const first = await together(10, 'hourly-cap');
    // The first call through reserves what the cap allows (666 s at 0.0045/min: 49,950 micros); the rest of the
    // burst finds too little left for the minimum billable time.
    const allowed = first.filter((decision) => decision.decision === 'allow');
    expect(allowed).toHaveLength(1);
    expect(reservedMicros(first)).toBe(49_950);
    expect(first.filter((decision) => decision.decision === 'deny').every((decision) => decision.reason === 'SPEND_LIMIT')).toBe(true);

    // 23 s later, in a new fixed hour: the fixed window let all of it through again; the sliding one does not.
    clock.set('2026-11-29T18:00:13.000Z');
    const second = await together(10, 'hourly-cap');
    expect(second.map((decision) => decision.reason)).toEqual(Array(10).fill('SPEND_LIMIT'));
    expect(second[0]?.rule.evidence).toMatchObject({ window: 'hour', spent: 0.04995, limit: 0.05, since: '2026-11-29T17:00:00.000Z' });

    // Settled after the boundary (600 s: 45,000 micros): the charge stays in the 17:55 bucket, the unused 4,950
    // leaves it, and nothing lands in the 18:00 bucket.
    expect((await complete(allowed[0]?.callId ?? '', 600)).charged).toBe(0.045);
    const buckets = await spendBuckets('hourly-cap');
    expect(buckets.hour).toEqual({ [spendBucket('hour', Date.parse('2026-11-29T17:55:00Z'))]: 45_000 });
    expect(buckets.day).toEqual({ [spendBucket('day', Date.parse('2026-11-29T17:00:00Z'))]: 45_000 });

    // 59 min 55 s after the burst it still counts: only the 5,000 left of the cap can be granted (66 s)...
    clock.set('2026-11-29T18:59:45.000Z');
    const late = await authorize('hourly-cap');
    expect(late).toMatchObject({ decision: 'allow', maxDurationSeconds: 66 });
    // ...and once the window has moved past its bucket, only the call just granted counts against the cap.
    clock.set('2026-11-29T19:00:00.000Z');
    const again = await authorize('hourly-cap');
    expect(again.decision).toBe('allow');
    expect(reservedMicros([late, again])).toBeLessThanOrEqual(50_000);
    expect(again.maxDurationSeconds).toBe(600);
  });

  it('refuses a burst across midnight once a burst reached spendPerDay, and frees it 24 hours (and an hour) on', async () => {
    clock.set('2026-11-29T23:50:00.000Z');
    await createAccount('daily-cap', { limits: { spendPerDay: 0.05 } }, 10);

    clock.set('2026-11-29T23:59:50.000Z');
    const first = await together(10, 'daily-cap');
    expect(first.some((decision) => decision.decision === 'allow')).toBe(true);
    expect(reservedMicros(first)).toBeLessThanOrEqual(50_000);

    clock.set('2026-11-30T00:00:13.000Z');
    const second = await together(10, 'daily-cap');
    expect(second.map((decision) => decision.reason)).toEqual(Array(10).fill('SPEND_LIMIT'));
    expect(second[0]?.rule.evidence).toMatchObject({ window: 'day', limit: 0.05, since: '2026-11-29T00:00:00.000Z' });

    clock.set('2026-11-30T23:59:45.000Z');
    expect((await authorize('daily-cap')).reason).toBe('SPEND_LIMIT');
    clock.set('2026-12-01T00:00:00.000Z');
    expect((await authorize('daily-cap')).decision).toBe('allow');
  });

  it('never reserves more than spendPerHour for 150 simultaneous attempts straddling a bucket boundary, clocks a second apart', async () => {
    clock.set('2026-11-29T20:30:00.000Z');
    // $2 of balance against a $1 hourly limit: each call gets a first slice (180 s at 0.0045/min, 13,500 micros), so
    // the hourly limit, not the balance, decides how many pass.
    await createAccount('straddle', { limits: { spendPerHour: 1 } }, 2);
    clock.set('2026-11-29T21:00:00.000Z');
    jitter = () => Math.round((Math.random() - 0.5) * 2_000);
    try {
      const burst = await together(150, 'straddle');
      const wave = await together(30, 'straddle');
      const all = [...burst, ...wave];
      expect(all.filter((decision) => decision.decision === 'allow').length).toBeGreaterThan(0);
      expect(reservedMicros(all)).toBeLessThanOrEqual(1_000_000);
      // Denials are the spend limit, a busy refusal after lost races, or (on a loaded machine) an answer given when
      // the authorize budget ran out, whose rounds are withdrawn in the background: none keeps money.
      expect(all.filter((decision) => decision.decision === 'deny').every((decision) => ['SPEND_LIMIT', 'CONCURRENCY_LIMIT', 'SERVICE_DEGRADED'].includes(decision.reason))).toBe(true);
      // The buckets on the item hold exactly what was reserved, on both sides of the boundary (once withdrawals are done).
      await expect.poll(async () => sum((await spendBuckets('straddle')).hour), { timeout: 20_000, interval: 500 }).toBe(reservedMicros(all));
      expect(sum((await spendBuckets('straddle')).day)).toBe(reservedMicros(all));
    } finally {
      jitter = () => 0;
    }
  }, 90_000);

  it('extends a call across a bucket boundary by re-reserving it in the current bucket, within both windows', async () => {
    clock.set('2026-11-29T23:00:00.000Z');
    // A thin balance ($0.15: the 666 s the hourly limit allows cost more than a quarter of it): a first slice of
    // 180 s (13,500 micros), extended on interim updates.
    await createAccount('extended', { limits: { spendPerHour: 0.05, spendPerDay: 0.5 } }, 0.15);
    clock.set('2026-11-29T23:04:00.000Z');
    const call = await authorize('extended');
    expect(call).toMatchObject({ decision: 'allow', maxDurationSeconds: 180 });

    clock.set('2026-11-29T23:06:30.000Z');
    const interim = await stack.call('POST', `/v1/calls/${call.callId}/interim`, { token: switchToken, body: { answered: true, elapsedSeconds: 150 } });
    expect(interim.status).toBe(200);
    expect(interim.body).toMatchObject({ action: 'continue', maxDurationSeconds: 330 });
    // The whole reservation (330 s: 24,750 micros) now counts in the 23:05 bucket, none of it in 23:00.
    const buckets = await spendBuckets('extended');
    expect(buckets.hour).toEqual({ [spendBucket('hour', Date.parse('2026-11-29T23:00:00Z'))]: 0, [spendBucket('hour', Date.parse('2026-11-29T23:05:00Z'))]: 24_750 });
    expect(buckets.day).toEqual({ [spendBucket('day', Date.parse('2026-11-29T23:00:00Z'))]: 24_750 });

    // Further slices, the last one across 23:10, until the hourly limit bounds the call: $0.05 in all (666 s).
    const extend = async (at: string, elapsedSeconds: number) => {
      clock.set(at);
      return (await stack.call('POST', `/v1/calls/${call.callId}/interim`, { token: switchToken, body: { answered: true, elapsedSeconds } })).body;
    };
    expect(await extend('2026-11-29T23:09:00.000Z', 300)).toMatchObject({ action: 'continue', maxDurationSeconds: 480 });
    expect(await extend('2026-11-29T23:11:30.000Z', 450)).toMatchObject({ action: 'continue', maxDurationSeconds: 630 });
    expect(await extend('2026-11-29T23:14:00.000Z', 600)).toMatchObject({ action: 'continue', maxDurationSeconds: 666 });
    const after = await spendBuckets('extended');
    expect(sum(after.hour)).toBe(49_950);
    expect(after.hour[spendBucket('hour', Date.parse('2026-11-29T23:10:00Z'))]).toBe(49_950);
  });

  it('reads the fixed-hour counter an item holds from before the buckets as spent at the end of its hour', async () => {
    clock.set('2026-11-29T16:10:00.000Z');
    await createAccount('legacy', { limits: { spendPerHour: 0.05 } }, 10);
    // As the earlier version left it: 0.05 spent in the fixed hour 16:00-17:00 (`h#<epoch hour>`).
    const hour = Math.floor(Date.parse('2026-11-29T16:00:00Z') / 3_600_000);
    await stack.runtime.client.send(
      new UpdateItemCommand({
        TableName: stack.tableName,
        Key: marshall({ pk: 'ACCOUNT#legacy', sk: 'STATE' }),
        UpdateExpression: 'SET #legacy = :spent',
        ExpressionAttributeNames: { '#legacy': `h#${hour}` },
        ExpressionAttributeValues: marshall({ ':spent': 50_000 }),
      }),
    );
    // The new hour does not start from zero (the defect of the fixed hour), until the window has passed 17:00.
    clock.set('2026-11-29T17:00:13.000Z');
    expect((await authorize('legacy')).reason).toBe('SPEND_LIMIT');
    clock.set('2026-11-29T17:59:59.000Z');
    expect((await authorize('legacy')).reason).toBe('SPEND_LIMIT');
    clock.set('2026-11-29T18:00:00.000Z');
    expect((await authorize('legacy')).decision).toBe('allow');
    // The next call's write drops the counter, which no window counts any more (nor one a bucket behind).
    clock.set('2026-11-29T19:06:00.000Z');
    expect((await authorize('legacy')).decision).toBe('allow');
    const result = await stack.runtime.client.send(new GetItemCommand({ TableName: stack.tableName, Key: marshall({ pk: 'ACCOUNT#legacy', sk: 'STATE' }), ConsistentRead: true }));
    expect(unmarshall(result.Item ?? {})[`h#${hour}`]).toBeUndefined();
  });

  it('counts an expired, unreported call once: its release gives its reservation back, a late report charges once', async () => {
    clock.set('2026-11-29T22:00:00.000Z');
    // A slice (the balance is thin) so the reservation expires within the hour; one call at a time.
    await createAccount('late-report', { limits: { spendPerHour: 1, concurrentCalls: 1 } }, 1);
    const first = await authorize('late-report');
    expect(first).toMatchObject({ decision: 'allow', maxDurationSeconds: 180 });
    expect(sum((await spendBuckets('late-report')).hour)).toBe(13_500);

    // The switch lost the report: past its grant and the grace, the next call finds the slot taken and releases it.
    clock.set('2026-11-29T22:05:01.000Z');
    const second = await authorize('late-report');
    expect(second.decision).toBe('allow');
    expect(sum((await spendBuckets('late-report')).hour)).toBe(13_500);

    // The report arrives after all: 100 s charged, counted once, now.
    expect((await complete(first.callId, 100)).charged).toBe(0.0075);
    const buckets = await spendBuckets('late-report');
    expect(sum(buckets.hour)).toBe(13_500 + 7_500);
    expect(sum(buckets.day)).toBe(13_500 + 7_500);
    expect(buckets.hour[spendBucket('hour', Date.parse('2026-11-29T22:05:01Z'))]).toBe(13_500 + 7_500);
  });

  it('charges a late report to no account when the account is gone: no stub item is created', async () => {
    const write = await stack.adapters.liveCalls.chargeReleased('deleted-account', 'call-x', { chargedMicros: 1_000, durationSeconds: 10, settledAtMs: clock.now().getTime() }, []);
    expect(write).toEqual({ ok: false, snapshot: undefined });
    const result = await stack.runtime.client.send(new GetItemCommand({ TableName: stack.tableName, Key: marshall({ pk: 'ACCOUNT#deleted-account', sk: 'STATE' }), ConsistentRead: true }));
    expect(result.Item).toBeUndefined();
  });
});
