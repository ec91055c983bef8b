/**
 * Replays the planned traffic through the real HTTP path of the local stack (authorizer, authorize, call-completed,
 * auth-failures handlers) against DynamoDB Local, with simulated time.
 *
 * 1. The stack runs with a clock that reads the simulated instant of the request being handled: each request carries
 *    it in a header, which a listener placed before the server's own puts into an AsyncLocalStorage for the whole
 *    handling of that request. Days replay in minutes and every window, ban and spend bucket sees simulated time.
 * 2. Events replay in global time order, several in flight at once: the earliest pending event whose account (lane)
 *    has nothing in flight goes next, as long as it is at most MAX_SKEW_MS of simulated time after the earliest event
 *    in flight. Each account's events stay strictly in order, and requests in flight together are within a simulated
 *    second of one another: the stack's process-wide state read by time (the ban list it reloads with the instant of
 *    the request that triggers the reload, reference data) sees time move forward as it would in production. (Lanes
 *    free to drift apart by hours let an account far ahead reload the ban list without a ban still active for an
 *    account behind it.) A burst (a parallel attack) is sent together: all its calls at once, none waiting for
 *    another's answer, and which of them win the race is up to the stack, as it would be.
 * 3. The switch obeys each answer as a switch doing credit control (RFC 4006) would: an allowed call is answered at
 *    once and its dialog timeout set to maxDurationSeconds; when the answer carries interimSeconds, an interim update
 *    goes at that time (elapsed talk time, answered), and its answer moves the timeout to the new maxDurationSeconds
 *    and names the next update, or ends the call (`stop`). Each call is reported completed when it ends, at
 *    min(intended, granted) or at the stop; a call never answered is reported with 0 s after 25 s of ringing. A denied
 *    call ends there. The switch does not pull the to-end list (GET /v1/calls/to-end): a call to end is only ended at
 *    its next interim update or its grant.
 * 4. The stack's asynchronous consumers (the table stream, the local event bus and what they feed: the range watch,
 *    reviews, notifications) run in wall time, while the events of different accounts may be minutes apart in
 *    simulated time and milliseconds apart in wall time. In AWS they lag by seconds. So before sending an event more
 *    than SETTLE_LAG_MS of simulated time after the earliest consumer input sent since the last settle, the replay
 *    waits for what is in flight and lets the consumers catch up (the stream read, every delivery done; they read the
 *    simulated instant of the latest event sent): whatever the range watch does about a call applies to every call
 *    more than SETTLE_LAG_MS later, as in production, however fast the replay runs. Only when simulated time moves
 *    on, not per request. Consumer input: a call to a country other than the account's home, the only calls that can
 *    be unusual and feed the range watch. The other consumers change no later decision here (the review flagger only
 *    under the carrier's holdOnReview, auto-replenish only with a replenish policy: the simulated accounts set neither),
 *    so a stretch of domestic calls costs no settle (a settle is two stream reads, tens of ms on this machine).
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
import type { CarrierWhatIfAnswer } from './what-if.js';

const SIM_TIME_HEADER = 'x-simulated-time';
const silentLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export interface ReplayOptions {
  /** An existing DynamoDB (Local); the stack starts its own DynamoDB Local when undefined. */
  readonly dynamoEndpoint?: string;
  /** Requests (or bursts) in flight at once across accounts. */
  readonly concurrency: number;
  /** The simulated instant for setup (accounts, policies) and for anything outside a request (event consumers). */
  readonly setupAtMs: number;
  readonly onProgress?: (done: number, total: number) => void;
  /** After the run: replay its decisions with these carrier-wide detection thresholds (POST /v1/what-if). */
  readonly whatIf?: { readonly detection: Readonly<Record<string, unknown>>; readonly fromMs: number; readonly toMs: number };
  /** Extra TOLLGATE_* configuration for the stack (the baseline's detection settings). */
  readonly environment?: Readonly<Record<string, string>>;
}

export interface ReplayResult {
  readonly calls: CallRecord[];
  readonly authFailures: AuthFailureRecord[];
  /** Accounts with an open review at the end (automatic restriction flags the account for the fraud desk). */
  readonly flaggedAccounts: string[];
  /** The switch's interim updates (credit control) and their answers. */
  readonly interim: InterimTally;
  readonly requests: number;
  readonly wallSeconds: number;
  /** How often the replay let the stack's consumers settle (simulated time moving on), and the wall time it took. */
  readonly settles: { readonly count: number; readonly wallSeconds: number };
  /** The answer of POST /v1/what-if, when asked for. */
  readonly whatIf?: CarrierWhatIfAnswer;
}

export interface InterimTally {
  sent: number;
  continued: number;
  /** Continue answers that granted more time than the call held. */
  extended: number;
  /** Stop answers, by reason. */
  stopped: Record<string, number>;
}

/** An allowed, answered call as the simulated switch holds it: its dialog timeout moves with each grant. */
interface LiveCall {
  readonly lane: string;
  readonly record: CallRecord;
  readonly burst: string | undefined;
  readonly answeredAt: number;
  readonly intendedSeconds: number;
  grantedSeconds: number;
  /** When the switch sends its next interim update (null: the grant is final). */
  nextInterimAt: number | null;
}

type InterimUpdate = { readonly kind: 'interim'; readonly lane: string; readonly at: number; readonly call: LiveCall; readonly burst: string | undefined };
type Completion = {
  readonly kind: 'complete';
  readonly lane: string;
  readonly at: number;
  readonly call: LiveCall;
  readonly durationSeconds: number;
  readonly burst: string | undefined;
};
type LaneEvent = PlannedEvent | InterimUpdate | Completion;

/**
 * What the switch does next for a live call: an interim update when one is due before the call ends, else the
 * completion at min(intended, granted) (the dialog timeout cuts the call at its grant).
 */
function nextStep(call: LiveCall): InterimUpdate | Completion {
  const talkSeconds = Math.min(call.intendedSeconds, call.grantedSeconds);
  const endsAt = call.answeredAt + talkSeconds * 1000;
  if (call.nextInterimAt !== null && call.nextInterimAt < endsAt) return { kind: 'interim', lane: call.lane, at: call.nextInterimAt, call, burst: call.burst };
  return { kind: 'complete', lane: call.lane, at: endsAt, call, durationSeconds: talkSeconds, burst: call.burst };
}

/**
 * Simulated time by which an event may run ahead of the earliest event in flight. Small enough that process-wide
 * state read by time sees it move forward (the ban list reloads every 5 s); large enough for requests to overlap.
 */
const MAX_SKEW_MS = 1_000;

/**
 * Simulated time within which the stack's asynchronous consumers must have acted on an event (see the header):
 * production's lag (the stream's batching, the consumer) is of this order.
 */
export const SETTLE_LAG_MS = 5_000;

/** The event at `index`, or every event of its burst due at that instant (of the same kind), taken off the queue. */
function takeGroup(queue: LaneEvent[], index: number): LaneEvent[] {
  const [first] = queue.splice(index, 1) as [LaneEvent];
  const burst = 'burst' in first ? first.burst : undefined;
  if (burst === undefined) return [first];
  const together = (event: LaneEvent) => event.at === first.at && event.kind === first.kind && 'burst' in event && event.burst === burst;
  const group = [first, ...queue.filter(together)];
  for (let position = queue.length - 1; position >= 0; position -= 1) if (together(queue[position] as LaneEvent)) queue.splice(position, 1);
  return group;
}

function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

export async function replay(accounts: readonly SimAccount[], events: readonly PlannedEvent[], options: ReplayOptions): Promise<ReplayResult> {
  const homeCountry = new Map(accounts.map((account) => [account.accountId, account.homeCountry]));
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
    // Deadlines generous: the replay measures decisions, not this shared machine's speed.
    environment: {
      TOLLGATE_REFERENCE_REFRESH_SECONDS: '3600',
      TOLLGATE_EMAIL_TRANSPORT: 'none',
      TOLLGATE_AUTHORIZE_BUDGET_MS: '5000',
      TOLLGATE_CREDENTIAL_LOOKUP_BUDGET_MS: '5000',
      ...options.environment,
    },
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
    await stack.runtime.client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: false } }));
    const switchToken = await setUp(admin, accounts, options.concurrency);
    const switchClient = new HttpClient(stack.url, switchToken, options.concurrency);
    const calls: CallRecord[] = [];
    const authFailures: AuthFailureRecord[] = [];
    const interim: InterimTally = { sent: 0, continued: 0, extended: 0, stopped: {} };
    let requests = 0;
    let done = 0;
    const settles = { count: 0, wallMs: 0 };
    /** The earliest simulated instant of a consumer input (see the header) sent since the last settle; null: none. */
    let unsettledSince: number | null = null;

    const queue: LaneEvent[] = [...events].sort(byTime);
    const total = events.length;
    const largestBurst = Math.max(1, ...countBy(events.flatMap((event) => (event.kind === 'call' && event.burst ? [event.burst] : []))).values());
    // A burst's requests leave together: a client of their own with a socket each, so none queues behind another.
    const burstClient = new HttpClient(stack.url, switchToken, largestBurst);
    const at = (ms: number) => ({ headers: { [SIM_TIME_HEADER]: String(ms) } });

    /** Handles one event; what it schedules (an interim update, a completion) goes into the queue. */
    async function handle(event: LaneEvent, client: HttpClient): Promise<void> {
      requests += 1;
      if (event.kind === 'call') {
        const sentAt = process.hrtime.bigint();
        const answer = await client.json<AuthorizeAnswer>('POST', '/v1/authorize', authorizeBody(event), at(event.at));
        const record = callRecord(event, answer, Number(process.hrtime.bigint() - sentAt) / 1e6);
        calls.push(record);
        if (answer.destination && answer.destination.country !== homeCountry.get(event.accountId)) unsettledSince = Math.min(unsettledSince ?? event.at, event.at);
        if (answer.decision !== 'allow') return;
        const granted = answer.maxDurationSeconds ?? event.intendedSeconds;
        record.grantedSeconds = granted;
        record.interimUpdates = 0;
        const live: LiveCall = { lane: event.lane, record, burst: event.burst, answeredAt: event.at, intendedSeconds: event.intendedSeconds, grantedSeconds: granted, nextInterimAt: null };
        if (event.intendedSeconds === 0) {
          // Unanswered calls ring for about 25 s before the switch reports them; no interim update before an answer.
          insertByTime(queue, { kind: 'complete', lane: event.lane, at: event.at + 25_000, call: live, durationSeconds: 0, burst: event.burst });
          return;
        }
        live.nextInterimAt = answer.interimSeconds === undefined ? null : event.at + answer.interimSeconds * 1000;
        insertByTime(queue, nextStep(live));
      } else if (event.kind === 'interim') {
        const { call } = event;
        const elapsedSeconds = Math.round((event.at - call.answeredAt) / 1000);
        const answer = await client.json<InterimAnswer>('POST', `/v1/calls/${encodeURIComponent(call.record.callId)}/interim`, { answered: true, elapsedSeconds }, at(event.at));
        call.record.interimUpdates = (call.record.interimUpdates ?? 0) + 1;
        interim.sent += 1;
        if (answer.action === 'stop') {
          // The switch ends the call now (BYE both ways) and reports it.
          call.record.stopReason = answer.reason;
          interim.stopped[answer.reason] = (interim.stopped[answer.reason] ?? 0) + 1;
          insertByTime(queue, { kind: 'complete', lane: call.lane, at: event.at, call, durationSeconds: elapsedSeconds, burst: call.burst });
          return;
        }
        interim.continued += 1;
        if (answer.maxDurationSeconds > call.grantedSeconds) interim.extended += 1;
        call.grantedSeconds = answer.maxDurationSeconds;
        call.record.grantedSeconds = answer.maxDurationSeconds;
        call.nextInterimAt = answer.interimSeconds === undefined ? null : event.at + answer.interimSeconds * 1000;
        insertByTime(queue, nextStep(call));
      } else if (event.kind === 'complete') {
        const { record } = event.call;
        const answer = await client.json<{ charged: number }>(
          'POST',
          `/v1/calls/${encodeURIComponent(record.callId)}/completed`,
          { durationSeconds: event.durationSeconds, endedAt: new Date(event.at).toISOString() },
          at(event.at),
        );
        record.durationSeconds = event.durationSeconds;
        record.charged = answer.charged;
        record.endedAt = event.at;
      } else {
        const answer = await client.json<{ banned: boolean }>('POST', '/v1/auth-failures', { sourceIp: event.sourceIp, sipUsername: event.sipUsername }, at(event.at));
        authFailures.push({ origin: event.origin, at: event.at, sourceIp: event.sourceIp, banned: answer.banned });
      }
    }

    /** Sends events in global time order (see the header): resolves when the queue is empty and nothing is in flight. */
    function dispatch(): Promise<void> {
      return new Promise((resolve, reject) => {
        const busyLanes = new Set<string>();
        const inFlightAt: number[] = [];
        let failed = false;
        let settling = false;
        const fail = (error: unknown) => {
          failed = true;
          reject(error);
        };
        const pump = () => {
          if (failed || settling) return;
          if (queue.length === 0 && inFlightAt.length === 0) {
            resolve();
            return;
          }
          while (inFlightAt.length < options.concurrency) {
            const index = queue.findIndex((event) => !busyLanes.has(event.lane));
            const next = queue[index];
            if (!next || (inFlightAt.length > 0 && next.at > Math.min(...inFlightAt) + MAX_SKEW_MS)) return;
            if (unsettledSince !== null && next.at > unsettledSince + SETTLE_LAG_MS) {
              // Simulated time moves on: once what is in flight is answered, let the consumers catch up first.
              if (inFlightAt.length > 0) return;
              settling = true;
              const settleStarted = Date.now();
              settleConsumers(stack).then(() => {
                settles.count += 1;
                settles.wallMs += Date.now() - settleStarted;
                settling = false;
                unsettledSince = null;
                pump();
              }, fail);
              return;
            }
            const group = takeGroup(queue, index);
            busyLanes.add(next.lane);
            inFlightAt.push(next.at);
            outsideRequestMs = Math.max(outsideRequestMs, next.at);
            const sent = group.length === 1 ? handle(next, switchClient) : Promise.all(group.map((event) => handle(event, burstClient)));
            sent.then(
              () => {
                busyLanes.delete(next.lane);
                inFlightAt.splice(inFlightAt.indexOf(next.at), 1);
                for (const event of group) {
                  if (event.kind !== 'complete' && event.kind !== 'interim') {
                    done += 1;
                    if (done % 500 === 0) options.onProgress?.(done, total);
                  }
                }
                pump();
              },
              fail,
            );
          }
        };
        pump();
      });
    }

    await dispatch();
    await stack.events.settle();
    const flaggedAccounts = await openReviewAccounts(admin);
    const whatIf = options.whatIf
      ? await admin.json<CarrierWhatIfAnswer>('POST', '/v1/what-if', {
          detection: options.whatIf.detection,
          from: new Date(options.whatIf.fromMs).toISOString(),
          to: new Date(options.whatIf.toMs).toISOString(),
        })
      : undefined;
    switchClient.close();
    burstClient.close();
    calls.sort((a, b) => a.at - b.at || a.callId.localeCompare(b.callId));
    authFailures.sort((a, b) => a.at - b.at);
    return {
      calls,
      authFailures,
      flaggedAccounts,
      interim,
      requests,
      wallSeconds: Math.round((Date.now() - started) / 100) / 10,
      settles: { count: settles.count, wallSeconds: Math.round(settles.wallMs / 100) / 10 },
      ...(whatIf ? { whatIf } : {}),
    };
  } finally {
    admin.close();
    await stopQuietly(stack);
  }
}

interface AuthorizeAnswer {
  readonly decision: 'allow' | 'deny';
  readonly reason: string;
  readonly maxDurationSeconds?: number;
  readonly interimSeconds?: number;
  readonly destination: { readonly country: string; readonly ratePerMinute: number } | null;
  readonly rule?: { readonly detail?: string; readonly evidence?: { readonly scope?: unknown; readonly restrictedBy?: unknown } };
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

type InterimAnswer = { readonly action: 'continue'; readonly maxDurationSeconds: number; readonly interimSeconds?: number } | { readonly action: 'stop'; readonly reason: string };

function callRecord(call: PlannedCall, answer: AuthorizeAnswer, answerMs: number): CallRecord {
  return {
    answerMs: Math.round(answerMs),
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
    ...(answer.decision === 'deny' && answer.rule?.evidence?.scope === 'carrier' && typeof answer.rule.evidence.restrictedBy === 'string' ? { carrierRange: answer.rule.evidence.restrictedBy } : {}),
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
    const page = await admin.json<{ reviews: { scope?: string; accountId?: string }[]; nextCursor?: string | null }>(
      'GET',
      `/v1/reviews?status=open&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      undefined,
    );
    // A restricted range's carrier review (`scope: "carrier"`) flags no account.
    for (const review of page.reviews) if (review.accountId !== undefined) accounts.add(review.accountId);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return [...accounts].sort();
}

/**
 * Lets the consumers catch up with everything written so far: one pass over the stream that starts after this call
 * (the first may join a pass of the stack's own poller already under way, begun before the latest writes), then every
 * delivery done. What the consumers write in turn (a `Range Restricted` event and its notifications) is left to the
 * stack's own poller: the decisions depend on the consumers' first effects (a restriction applies in the process as
 * soon as the range watch writes it), not on those. The end of the replay waits for everything (stack.events.settle).
 */
async function settleConsumers(stack: LocalStack): Promise<void> {
  await stack.events.poller.pollOnce();
  await stack.events.poller.pollOnce();
  await stack.events.bus.idle();
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

/** At the same instant: completions first (they free a slot), then interim updates, auth failures, new calls. */
function order(event: LaneEvent): number {
  return { complete: 0, interim: 1, 'auth-failure': 2, call: 3 }[event.kind];
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
