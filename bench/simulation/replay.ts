/**
 * Replays the planned traffic through the real HTTP path of the local stack (authorizer, authorize, call-completed,
 * auth-failures handlers) against DynamoDB Local, with simulated time.
 *
 * 1. The stack runs with a clock that reads the simulated instant of the request being handled: each request carries
 *    it in a header, which a listener placed before the server's own puts into an AsyncLocalStorage for the whole
 *    handling of that request. Days replay in minutes and every window, ban and spend bucket sees simulated time.
 * 2. Lanes (one per account) replay strictly in time order; lanes run side by side. Tollgate keeps no decision state
 *    across accounts (counters, restrictions, spend and profiles are per account; a ban is per IP, and the one attacker
 *    IP lives in its victim's lane), so the decisions equal those of one global time-ordered replay, and do not depend
 *    on how the lanes interleave.
 * 3. The switch obeys each answer: an allowed call lasts min(intended, maxDurationSeconds) and is reported completed
 *    at its end (a completion event in the same lane); a denied call ends there.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../../domain/shared/ports.js';
import { startLocalStack, type LocalStack } from '../../functions/local/local-stack.js';
import type { Logger } from '../../functions/shared/logger.js';
import { HttpClient } from '../http-client.js';
import { HIGH_RISK_PREFIXES, sampleDeckCsv } from '../sample-data.js';
import type { AuthFailureRecord, CallRecord, PlannedCall, PlannedEvent, SimAccount } from './model.js';

const SIM_TIME_HEADER = 'x-simulated-time';
const silentLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export interface ReplayOptions {
  /** An existing DynamoDB (Local); the stack starts its own DynamoDB Local when undefined. */
  readonly dynamoEndpoint?: string;
  /** Requests in flight at once across lanes. */
  readonly concurrency: number;
  /** The simulated instant for setup (accounts, policies) and for anything outside a request (event consumers). */
  readonly setupAtMs: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ReplayResult {
  readonly calls: CallRecord[];
  readonly authFailures: AuthFailureRecord[];
  /** Accounts with an open review at the end (automatic restriction flags the account for the fraud desk). */
  readonly flaggedAccounts: string[];
  readonly requests: number;
  readonly wallSeconds: number;
}

type Completion = { readonly kind: 'complete'; readonly at: number; readonly record: CallRecord };
type LaneEvent = PlannedEvent | Completion;

export async function replay(accounts: readonly SimAccount[], events: readonly PlannedEvent[], options: ReplayOptions): Promise<ReplayResult> {
  const simulatedTime = new AsyncLocalStorage<number>();
  let outsideRequestMs = options.setupAtMs;
  const clock: Clock = { now: () => new Date(simulatedTime.getStore() ?? outsideRequestMs) };
  const adminToken = `sim-admin-${randomBytes(16).toString('hex')}`;
  const tableName = `sim_${randomBytes(5).toString('hex')}`;
  const stack = await startLocalStack({
    port: 0,
    ...(options.dynamoEndpoint ? { dynamoEndpoint: options.dynamoEndpoint } : {}),
    tableName,
    adminToken,
    logger: silentLogger,
    clock,
    // Reference data is loaded once and never changes during the run; the email outbox is not the subject here.
    environment: { TOLLGATE_REFERENCE_REFRESH_SECONDS: '3600', TOLLGATE_EMAIL_TRANSPORT: 'none' },
  });
  stack.server.prependListener('request', (request: IncomingMessage) => {
    const header = request.headers[SIM_TIME_HEADER];
    if (typeof header === 'string') simulatedTime.enterWith(Number(header));
  });
  const started = Date.now();
  const admin = new HttpClient(stack.url, adminToken, options.concurrency);
  try {
    // Items expire (`expiresAt`) relative to the simulated clock, which runs months behind the real one, and DynamoDB
    // Local deletes expired items within a second: decisions, bans, auth failures and idempotency markers would vanish
    // mid-run (a completion then finds no decision). AWS deletes within days and Tollgate checks expiry itself, never
    // relying on the deletion, so the replay's table keeps its items.
    await stack.deps.client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: false } }));
    const switchToken = await setUp(admin, accounts, options.concurrency);
    const switchClient = new HttpClient(stack.url, switchToken, options.concurrency);
    const calls: CallRecord[] = [];
    const authFailures: AuthFailureRecord[] = [];
    let requests = 0;
    let done = 0;

    const lanes = new Map<string, LaneEvent[]>();
    for (const event of events) {
      const lane = lanes.get(event.lane) ?? [];
      lane.push(event);
      lanes.set(event.lane, lane);
    }
    const total = events.length;
    const limiter = new Limiter(options.concurrency);
    const at = (ms: number) => ({ headers: { [SIM_TIME_HEADER]: String(ms) } });

    async function runLane(queue: LaneEvent[]): Promise<void> {
      queue.sort(byTime);
      while (queue.length > 0) {
        const event = queue.shift() as LaneEvent;
        outsideRequestMs = Math.max(outsideRequestMs, event.at);
        await limiter.run(async () => {
          requests += 1;
          if (event.kind === 'call') {
            const answer = await switchClient.json<AuthorizeAnswer>('POST', '/v1/authorize', authorizeBody(event), at(event.at));
            const record = callRecord(event, answer);
            calls.push(record);
            if (answer.decision === 'allow') {
              const duration = Math.min(event.intendedSeconds, answer.maxDurationSeconds ?? event.intendedSeconds);
              record.durationSeconds = duration;
              // Unanswered calls ring for about 25 s before the switch reports them.
              insertByTime(queue, { kind: 'complete', at: event.at + (duration > 0 ? duration : 25) * 1000, record });
            }
          } else if (event.kind === 'complete') {
            const { record } = event;
            const answer = await switchClient.json<{ charged: number }>(
              'POST',
              `/v1/calls/${encodeURIComponent(record.callId)}/completed`,
              { durationSeconds: record.durationSeconds ?? 0, endedAt: new Date(event.at).toISOString() },
              at(event.at),
            );
            record.charged = answer.charged;
            record.endedAt = event.at;
          } else {
            const answer = await switchClient.json<{ banned: boolean }>('POST', '/v1/auth-failures', { sourceIp: event.sourceIp, sipUsername: event.sipUsername }, at(event.at));
            authFailures.push({ origin: event.origin, at: event.at, sourceIp: event.sourceIp, banned: answer.banned });
          }
        });
        if (event.kind !== 'complete') {
          done += 1;
          if (done % 500 === 0) options.onProgress?.(done, total);
        }
      }
    }

    await Promise.all([...lanes.values()].map((queue) => runLane(queue)));
    await stack.events.settle();
    const flaggedAccounts = await openReviewAccounts(admin);
    switchClient.close();
    calls.sort((a, b) => a.at - b.at || a.callId.localeCompare(b.callId));
    authFailures.sort((a, b) => a.at - b.at);
    return { calls, authFailures, flaggedAccounts, requests, wallSeconds: Math.round((Date.now() - started) / 100) / 10 };
  } finally {
    admin.close();
    await stopQuietly(stack);
  }
}

interface AuthorizeAnswer {
  readonly decision: 'allow' | 'deny';
  readonly reason: string;
  readonly maxDurationSeconds?: number;
  readonly destination: { readonly country: string; readonly ratePerMinute: number } | null;
  readonly rule?: { readonly detail?: string };
}

function authorizeBody(call: PlannedCall) {
  return {
    callId: call.callId,
    to: call.to,
    from: '+13055550100',
    sourceIp: call.sourceIp,
    authMethod: call.authMethod,
    ...(call.identifyBy === 'accountId' ? { accountId: call.accountId } : { sipUsername: call.sipUsername }),
  };
}

function callRecord(call: PlannedCall, answer: AuthorizeAnswer): CallRecord {
  return {
    callId: call.callId,
    origin: call.origin,
    accountId: call.accountId,
    at: call.at,
    to: call.to,
    country: answer.destination?.country ?? null,
    ratePerMinute: answer.destination?.ratePerMinute ?? null,
    decision: answer.decision,
    reason: answer.reason,
    ...(answer.decision === 'deny' && answer.rule?.detail ? { detail: answer.rule.detail } : {}),
    maxDurationSeconds: answer.maxDurationSeconds ?? null,
    intendedSeconds: call.intendedSeconds,
  };
}

async function setUp(admin: HttpClient, accounts: readonly SimAccount[], concurrency: number): Promise<string> {
  const deck = await admin.send('PUT', '/v1/rate-deck', sampleDeckCsv(), { contentType: 'text/csv' });
  if (deck.status >= 300) throw new Error(`rate deck import answered ${deck.status}: ${deck.text}`);
  await admin.json('PUT', '/v1/high-risk-prefixes', { prefixes: HIGH_RISK_PREFIXES });
  const limiter = new Limiter(concurrency);
  await Promise.all(
    accounts.map((account) =>
      limiter.run(async () => {
        await admin.json('POST', '/v1/accounts', { accountId: account.accountId, name: account.name, homeCountry: account.homeCountry, sipUsernames: [account.sipUsername] });
        await admin.json('PUT', `/v1/accounts/${account.accountId}/policy`, account.policy);
        await admin.json('POST', `/v1/accounts/${account.accountId}/credits`, { amount: account.balance });
      }),
    ),
  );
  return (await admin.json<{ token: string }>('POST', '/v1/credentials', { role: 'switch' })).token;
}

async function openReviewAccounts(admin: HttpClient): Promise<string[]> {
  const accounts = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await admin.json<{ reviews: { accountId: string }[]; nextCursor?: string | null }>(
      'GET',
      `/v1/reviews?status=open&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      undefined,
    );
    for (const review of page.reviews) accounts.add(review.accountId);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return [...accounts].sort();
}

async function stopQuietly(stack: LocalStack): Promise<void> {
  try {
    await stack.stop();
  } catch {
    // a failed shutdown must not hide the run's own error
  }
}

function byTime(a: LaneEvent, b: LaneEvent): number {
  return a.at - b.at || order(a) - order(b);
}

/** At the same instant: completions first (they free a slot), then auth failures, then new calls. */
function order(event: LaneEvent): number {
  return event.kind === 'complete' ? 0 : event.kind === 'auth-failure' ? 1 : 2;
}

function insertByTime(queue: LaneEvent[], event: LaneEvent): void {
  let index = queue.findIndex((other) => byTime(event, other) < 0);
  if (index < 0) index = queue.length;
  queue.splice(index, 0, event);
}

/** At most `limit` tasks at once; a finishing task hands its slot straight to the next one waiting. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
