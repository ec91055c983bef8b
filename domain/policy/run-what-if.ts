/**
 * The what-if use cases: POST /v1/accounts/{id}/what-if (a proposed policy on one account) and POST /v1/what-if (the
 * carrier's detection thresholds over many accounts). Read-only: they read the account, the span's decisions and the
 * reference data, replay (domain/policy/what-if.ts) and write nothing.
 *
 *  1. Check the span (from < to, at most the decision retention) and the proposal (the policy schema, on the
 *     customer's policy with the proposed fields replaced).
 *  2. Page through the span's decisions oldest first, refusing a span above the decision bound before replaying.
 *  3. Replay on the effective policy (the carrier's controls still apply) and compare.
 */
import * as z from 'zod';
import { accountPolicySchema, type Account, type AccountPolicy } from '../accounts/account.js';
import { defaultCarrierPolicy, effectivePolicy } from '../accounts/carrier-policy.js';
import type { AccountStore } from '../accounts/ports.js';
import type { StoredCall } from '../calls/ports.js';
import type { DetectionThresholds } from '../profiling/destination-detection.js';
import type { ReferenceData } from './authorize-call.js';
import type { DecisionSettings } from './evaluate-call.js';
import { replayDecisions, type ChangedCall, type ReplayResult } from './what-if.js';

/** Decisions are kept 14 days (README, "Storage"): a longer span has nothing more to replay. */
export const WHAT_IF_MAX_SPAN_DAYS = 14;
export const WHAT_IF_MAX_DECISIONS = 50_000;
export const WHAT_IF_MAX_ACCOUNTS = 1_000;
const PAGE_SIZE = 500;

/** The span's decisions of one account, oldest first, with their completions, a page at a time. */
export interface DecisionHistory {
  span(accountId: string, from: string, to: string, limit: number, cursor?: string): Promise<{ readonly calls: readonly StoredCall[]; readonly nextCursor: string | null }>;
}

/** Every account's id (the carrier-wide replay). */
export interface AccountDirectory {
  accountIds(): Promise<readonly string[]>;
}

export interface WhatIfPorts {
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly history: DecisionHistory;
  readonly directory: AccountDirectory;
  readonly referenceData: Pick<ReferenceData, 'rateDeck' | 'highRiskPrefixes'>;
  readonly settings: DecisionSettings;
  /** Bounds of the work (tests lower them). */
  readonly maxDecisions?: number;
  readonly maxAccounts?: number;
}

const span = {
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
};

function checkSpan<T extends { from: string; to: string }>(schema: z.ZodType<T>) {
  return schema
    .refine((body) => Date.parse(body.from) < Date.parse(body.to), { path: ['to'], message: 'must be after from' })
    .refine((body) => Date.parse(body.to) - Date.parse(body.from) <= WHAT_IF_MAX_SPAN_DAYS * 86_400_000, {
      path: ['to'],
      message: `the span may be at most ${WHAT_IF_MAX_SPAN_DAYS} days (decisions are kept ${WHAT_IF_MAX_SPAN_DAYS} days)`,
    });
}

/** `policy`: fields of PUT /policy; each replaces the customer's own (objects such as `limits` field by field). */
export const accountWhatIfSchema = checkSpan(z.object({ policy: z.record(z.string(), z.unknown()), ...span }).strict());
export type AccountWhatIfRequest = z.infer<typeof accountWhatIfSchema>;

/** The carrier's detection thresholds to replay; a field left out keeps the carrier's value. */
const thresholds = z
  .object({
    newDestinationAttempts: z.number().int().min(1).max(10_000).optional(),
    newDestinationTotalAttempts: z.number().int().min(1).max(10_000).optional(),
    windowMinutes: z.number().int().min(1).max(1_440).optional(),
    unusualCallMaxCost: z.number().finite().nonnegative().max(1_000_000).nullable().optional(),
    unusualPremiumCallMaxCost: z.number().finite().nonnegative().max(1_000_000).nullable().optional(),
    unusualPremiumSpendPerWeek: z.number().finite().nonnegative().max(1_000_000).nullable().optional(),
  })
  .strict()
  .refine((detection) => Object.keys(detection).length > 0, { message: 'must name at least one threshold' });
export const carrierWhatIfSchema = checkSpan(
  z.object({ detection: thresholds, ...span, accounts: z.array(z.string().min(1).max(64)).min(1).max(WHAT_IF_MAX_ACCOUNTS).optional() }).strict(),
);
export type CarrierWhatIfRequest = z.infer<typeof carrierWhatIfSchema>;

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** What a replay cannot know exactly, and how it approximates it; stated in every answer. */
export const APPROXIMATIONS: readonly string[] = [
  'decisions that do not depend on the policy (banned source, suspended or under-review account, decided while degraded) are kept as they were',
  "counters (calls in the last minute, calls in progress, spend this hour and day, reservations) and the balance are those the engine saw, moved by what the replay allows or denies differently; records without them (written before they were stored) use counters rebuilt from the span's replayed calls alone and the balance of the nearest record showing one",
  "attempts to unusual destinations are counted from the span's attempts only: a detection window that began before `from` is under-counted",
  'known countries are those of the account now (corrected by the record for the destination itself when it says); the status is taken as active',
  'automatic restrictions are those the history shows, lifted where it shows a call to them passing, plus those the replay triggers',
  'the rate deck and the high-risk list are the current ones, not those of the time',
  'a replayed call lasts as it really did when completed; a call the replay newly allows never ran and is counted for the duration the replay grants',
  'spendAvoided counts what a newly denied call was charged when it completed, else the reservation it was granted (spendAvoidedBasis splits the two)',
];

export type AccountWhatIfOutcome =
  | { readonly kind: 'replayed'; readonly accountId: string; readonly policy: AccountPolicy; readonly result: ReplayResult }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'invalid'; readonly problems: readonly FieldProblem[] }
  | { readonly kind: 'too-large'; readonly message: string };

export interface AccountImpact {
  readonly accountId: string;
  readonly status: Account['status'];
  /** Suspended, or with an open review: fraud the desk already knows of. */
  readonly knownFraud: boolean;
  readonly evaluated: number;
  readonly changed: number;
  readonly newlyDenied: number;
  readonly newlyAllowed: number;
  readonly spendAvoided: number;
  /** When the replay first denied a call the history allowed. */
  readonly firstNewlyDeniedAt: string | null;
  /** The first calls newly denied (at most CARRIER_LISTED_CALLS per account). */
  readonly newlyDeniedCalls: readonly ChangedCall[];
}

/** Newly denied calls listed per account in a carrier-wide answer; the counts cover them all. */
export const CARRIER_LISTED_CALLS = 100;

export type CarrierWhatIfOutcome =
  | {
      readonly kind: 'replayed';
      readonly detection: DetectionThresholds;
      readonly totals: {
        readonly accounts: number;
        readonly accountsHit: number;
        readonly evaluated: number;
        readonly changed: number;
        readonly newlyDenied: number;
        readonly newlyAllowed: number;
        readonly falsePositives: number;
        readonly spendAvoided: number;
      };
      readonly accounts: readonly AccountImpact[];
    }
  | { readonly kind: 'invalid'; readonly problems: readonly FieldProblem[] }
  | { readonly kind: 'too-large'; readonly message: string };

/** The customer's policy with the proposed fields replaced (objects field by field), checked by the policy schema. */
export function proposedPolicy(current: AccountPolicy, changes: Readonly<Record<string, unknown>>): { ok: true; policy: AccountPolicy } | { ok: false; problems: FieldProblem[] } {
  const merged: Record<string, unknown> = { ...current };
  for (const [field, value] of Object.entries(changes)) {
    const before = merged[field];
    merged[field] = isPlainObject(before) && isPlainObject(value) ? { ...before, ...value } : value;
  }
  const parsed = accountPolicySchema.safeParse(merged);
  if (parsed.success) return { ok: true, policy: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.flatMap((issue) => {
      const path = ['policy', ...issue.path.map(String)].join('.');
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: `${path}.${key}`, message: 'is not a known field' }));
      return [{ field: path, message: issue.message }];
    }),
  };
}

export function makeWhatIf(ports: WhatIfPorts) {
  const maxDecisions = ports.maxDecisions ?? WHAT_IF_MAX_DECISIONS;
  const maxAccounts = ports.maxAccounts ?? WHAT_IF_MAX_ACCOUNTS;

  async function history(accountId: string, from: string, to: string, budget: number): Promise<StoredCall[] | 'too-large'> {
    const calls: StoredCall[] = [];
    let cursor: string | undefined;
    do {
      const page = await ports.history.span(accountId, from, to, PAGE_SIZE, cursor);
      calls.push(...page.calls);
      if (calls.length > budget) return 'too-large';
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return calls;
  }

  async function replayAccount(account: Account, customerPolicy: AccountPolicy, calls: readonly StoredCall[], settings: DecisionSettings) {
    const policy = effectivePolicy(customerPolicy, account.carrierPolicy ?? defaultCarrierPolicy());
    const [rateDeck, highRiskPrefixes] = await Promise.all([ports.referenceData.rateDeck(), ports.referenceData.highRiskPrefixes()]);
    return { policy, result: replayDecisions({ account: { ...account, policy }, calls, rateDeck, highRiskPrefixes, settings }) };
  }

  return {
    async account(accountId: string, request: AccountWhatIfRequest): Promise<AccountWhatIfOutcome> {
      const account = await ports.accounts.get(accountId);
      if (!account) return { kind: 'not-found' };
      const proposed = proposedPolicy(account.customerPolicy ?? account.policy, request.policy);
      if (!proposed.ok) return { kind: 'invalid', problems: proposed.problems };
      const calls = await history(accountId, isoOf(request.from), isoOf(request.to), maxDecisions);
      if (calls === 'too-large') return { kind: 'too-large', message: `the span holds more than ${maxDecisions} decisions; replay a shorter one` };
      const { policy, result } = await replayAccount(account, proposed.policy, calls, ports.settings);
      return { kind: 'replayed', accountId, policy, result };
    },

    async carrier(request: CarrierWhatIfRequest): Promise<CarrierWhatIfOutcome> {
      const accountIds = request.accounts ? [...new Set(request.accounts)] : [...(await ports.directory.accountIds())].sort();
      if (accountIds.length > maxAccounts) return { kind: 'too-large', message: `${accountIds.length} accounts are more than ${maxAccounts}; name the accounts to replay` };
      const proposed = Object.fromEntries(Object.entries(request.detection).filter(([, value]) => value !== undefined));
      const detection: DetectionThresholds = { ...ports.settings.detection, ...proposed };
      const settings: DecisionSettings = { ...ports.settings, detection };
      const impacts: AccountImpact[] = [];
      let budget = maxDecisions;
      for (const accountId of accountIds) {
        const account = await ports.accounts.get(accountId);
        if (!account) return { kind: 'invalid', problems: [{ field: 'accounts', message: `account ${accountId} does not exist` }] };
        const calls = await history(accountId, isoOf(request.from), isoOf(request.to), budget);
        if (calls === 'too-large') return { kind: 'too-large', message: `the span holds more than ${maxDecisions} decisions over these accounts; replay a shorter span or fewer accounts` };
        budget -= calls.length;
        const { result } = await replayAccount(account, account.customerPolicy ?? account.policy, calls, settings);
        impacts.push({
          accountId,
          status: account.status,
          knownFraud: account.status !== 'active' || Boolean(account.openReviewId),
          evaluated: result.evaluated,
          changed: result.changed,
          newlyDenied: result.newlyDeniedCount,
          newlyAllowed: result.newlyAllowedCount,
          spendAvoided: result.spendAvoided,
          firstNewlyDeniedAt: result.newlyDenied[0]?.decidedAt ?? null,
          newlyDeniedCalls: result.newlyDenied.slice(0, CARRIER_LISTED_CALLS),
        });
      }
      const sum = (pick: (impact: AccountImpact) => number, of = impacts) => of.reduce((total, impact) => total + pick(impact), 0);
      return {
        kind: 'replayed',
        detection,
        totals: {
          accounts: impacts.length,
          accountsHit: impacts.filter((impact) => impact.newlyDenied > 0).length,
          evaluated: sum((impact) => impact.evaluated),
          changed: sum((impact) => impact.changed),
          newlyDenied: sum((impact) => impact.newlyDenied),
          newlyAllowed: sum((impact) => impact.newlyAllowed),
          falsePositives: sum((impact) => impact.newlyDenied, impacts.filter((impact) => !impact.knownFraud)),
          spendAvoided: Math.round(sum((impact) => impact.spendAvoided) * 1e6) / 1e6,
        },
        accounts: impacts,
      };
    },
  };
}

/** The instant as stored on decision records (UTC, milliseconds), whatever offset the request wrote it with. */
function isoOf(instant: string): string {
  return new Date(instant).toISOString();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
