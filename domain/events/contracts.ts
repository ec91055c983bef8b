/**
 * Tollgate's events, each defined once: its EventBridge detail-type and the zod schema of its detail.
 * Publishers validate before writing to the outbox, consumers validate on receipt, the CDK builds its rule
 * patterns from the same names. Source is always `tollgate`; delivery is at least once.
 */
import * as z from 'zod';

export const EVENT_SOURCE = 'tollgate';

const base = {
  eventId: z.string().min(1),
  occurredAt: z.iso.datetime(),
};
const accountBase = { ...base, accountId: z.string().min(1) };

/**
 * The burst that restricted a destination. The counts carry the decision evidence's names (one meaning each):
 * `attemptsToDestination` to this country, `unusualAttempts` to unusual countries together, and `thresholds` the
 * limits they crossed. Events and reviews written before v1.1 named them `attempts` and `newDestinationAttempts`
 * (the latter also a threshold's name): those are still read, never written.
 */
const currentEvidence = z.object({
  rule: z.string(),
  destinations: z.array(z.string()),
  attemptsToDestination: z.number().int().nonnegative(),
  unusualAttempts: z.number().nonnegative(),
  windowMinutes: z.number().int().positive(),
  spendLastHour: z.number().nonnegative(),
  thresholds: z.record(z.string(), z.number()),
  /** Rule `unusual-spend`: the 7-day spend on unusual destinations that used up `thresholds.unusualPremiumSpendPerWeek`. */
  unusualSpent: z.number().nonnegative().optional(),
});
const earlierEvidence = currentEvidence.omit({ attemptsToDestination: true, unusualAttempts: true }).extend({
  attempts: z.number().int().nonnegative(),
  newDestinationAttempts: z.number().nonnegative(),
});
const evidence = z.union([currentEvidence, earlierEvidence]);
export type RestrictionEvidence = z.infer<typeof evidence>;
/** The evidence as stored on a review item, parsed again when read. */
export const restrictionEvidenceSchema = evidence;

/** Why a known peer was not banned: its failures in the window, as the review shows them. */
export const peerAuthFailureEvidenceSchema = z.object({
  rule: z.literal('known-peer-auth-failures'),
  ip: z.string(),
  /** The account's allowedIps entry (address or CIDR) that makes the IP a known peer. */
  allowedEntry: z.string(),
  failures: z.number().int().positive(),
  sipUsernames: z.array(z.string()),
  window: z.object({ seconds: z.number().int().positive(), firstFailureAt: z.iso.datetime(), lastFailureAt: z.iso.datetime() }),
  threshold: z.number().int().positive(),
});
const peerAuthFailureEvidence = peerAuthFailureEvidenceSchema;
export type PeerAuthFailureEvidence = z.infer<typeof peerAuthFailureEvidence>;

export const EVENT_CONTRACTS = {
  'Balance Low': z.object({ ...accountBase, balance: z.number(), threshold: z.number(), crossingId: z.string() }).strict(),
  'Balance Topped Up': z.object({ ...accountBase, amount: z.number().positive(), balance: z.number(), crossingId: z.string(), paymentReference: z.string() }).strict(),
  'Top-up Failed': z.object({ ...accountBase, amount: z.number(), crossingId: z.string(), failure: z.string() }).strict(),
  'Destination Restricted': z
    .object({ ...accountBase, destination: z.string(), callId: z.string(), evidence })
    .strict(),
  // A review opens on either rule; `evidence.rule` tells which.
  'Account Flagged For Review': z
    .object({
      ...accountBase,
      reviewId: z.string(),
      evidence: z.union([peerAuthFailureEvidence, evidence]),
      /** The account was held `under_review` (carrier policy `holdOnReview`); absent in events written before it existed. */
      accountHeld: z.boolean().optional(),
    })
    .strict(),
  'Review Resolved': z
    .object({ ...accountBase, reviewId: z.string(), action: z.enum(['clear', 'suspend']), note: z.string(), resolvedBy: z.string() })
    .strict(),
  'IP Banned': z
    .object({ ...base, accountId: z.string().nullable(), ip: z.string(), bannedUntil: z.iso.datetime(), failures: z.number().int(), offence: z.number().int().positive() })
    .strict(),
  /** Failures from an IP the account allows reached the ban threshold: the IP was not banned, the account is flagged. */
  'Known Peer Auth Failures': z.object({ ...accountBase, ip: z.string(), evidence: peerAuthFailureEvidence }).strict(),
  'Policy Changed': z.object({ ...accountBase, changedBy: z.string(), changedFields: z.array(z.string()), version: z.number().int() }).strict(),
  /** A reviewer cleared the account's usage counters and/or its automatic restrictions (POST /v1/accounts/{id}/reset). */
  'Account Reset': z
    .object({
      ...accountBase,
      resetBy: z.string(),
      counters: z.boolean(),
      restrictions: z.boolean(),
      liftedDestinations: z.array(z.string()),
      note: z.string(),
      version: z.number().int(),
    })
    .strict(),
  /**
   * An attempt (allowed or denied) to a destination unusual for the account at that moment: the range watch counts
   * the distinct accounts per range (domain/profiling/watch-range.ts). Internal: routed to no webhook.
   */
  'Unusual Destination Dialled': z
    .object({
      ...accountBase,
      callId: z.string(),
      prefix: z.string().regex(/^\d{1,15}$/),
      e164: z.string().min(2),
      country: z.string(),
      /** The range's rate: the watch leaves cheap ranges to per-account learning. Absent in events published before. */
      ratePerMinute: z.number().nonnegative().optional(),
    })
    .strict(),
  /** Enough distinct accounts dialled one range unusual for them: it is restricted carrier-wide for such accounts. */
  'Range Restricted': z
    .object({
      ...base,
      /** A rate-deck prefix (digits) or an exact number (`+` and digits). */
      range: z.string().regex(/^\+?\d{1,15}$/),
      accounts: z.array(z.string()),
      numbers: z.array(z.string()),
      distinctAccounts: z.number().nonnegative(),
      threshold: z.number().int().positive(),
      windowMinutes: z.number().int().positive(),
    })
    .strict(),
  'Call Denied': z
    .object({ ...accountBase, callId: z.string(), reason: z.string(), sipCode: z.number().int(), destination: z.string().nullable(), country: z.string().nullable() })
    .strict(),
} as const;

export type DetailType = keyof typeof EVENT_CONTRACTS;
export const DETAIL_TYPES = Object.keys(EVENT_CONTRACTS) as DetailType[];
export type EventDetail<T extends DetailType> = z.infer<(typeof EVENT_CONTRACTS)[T]>;

export interface TollgateEvent<T extends DetailType = DetailType> {
  readonly detailType: T;
  readonly detail: EventDetail<T>;
}

/** Validates a detail against its contract; throws with the field names when it does not conform. */
export function parseEvent<T extends DetailType>(detailType: T, detail: unknown): TollgateEvent<T> {
  const schema = EVENT_CONTRACTS[detailType] as unknown as z.ZodType<EventDetail<T>>;
  return { detailType, detail: schema.parse(detail) };
}

export function isDetailType(value: unknown): value is DetailType {
  return typeof value === 'string' && value in EVENT_CONTRACTS;
}
