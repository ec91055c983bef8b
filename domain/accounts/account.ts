/**
 * An account is one customer of the carrier (a PBX, a reseller, an enterprise trunk) with its policy and its
 * prepaid balance. The policy is what the customer and the carrier set; the account status is what the
 * fraud desk sets.
 */
import * as z from 'zod';
import type { CarrierPolicy } from './carrier-policy.js';
import { callingHoursSchema } from '../policy/calling-hours.js';
import { isValidIpOrCidr } from '../policy/ip-allowlist.js';

export const ACCOUNT_STATUSES = ['active', 'under_review', 'suspended'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

const countryCode = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code in upper case, e.g. "US"');
const digitPrefix = z.string().regex(/^\d{1,15}$/, 'must be 1 to 15 digits (an E.164 prefix without "+")');
const ipOrCidr = z
  .string()
  .refine(isValidIpOrCidr, 'must be an IPv4/IPv6 address or CIDR, e.g. "203.0.113.10" or "203.0.113.0/24"');
const nonNegativeAmount = z.number().finite().nonnegative().max(1_000_000);

export const limitsSchema = z
  .object({
    callsPerMinute: z.number().int().positive().max(100_000).nullable().default(null),
    concurrentCalls: z.number().int().positive().max(100_000).nullable().default(null),
    spendPerHour: nonNegativeAmount.nullable().default(null),
    spendPerDay: nonNegativeAmount.nullable().default(null),
  })
  .strict();

export const autoRestrictionSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Attempts to one unusual destination country within the window that restrict it (carrier default 4). */
    newDestinationAttempts: z.number().int().min(1).max(10_000).optional(),
    /** Attempts to all unusual countries together within the window that restrict the next one (default 5). */
    newDestinationTotalAttempts: z.number().int().min(1).max(10_000).optional(),
    /**
     * The most one call to a destination unusual for the account may cost: it bounds maxDurationSeconds until the
     * destination is usual (carrier default 2.00). Only lower than the carrier's: a customer cannot lift the cap.
     */
    unusualCallMaxCost: z.number().finite().nonnegative().max(10_000).optional(),
  })
  .strict();

export const autoReplenishSchema = z
  .object({
    enabled: z.boolean().default(false),
    threshold: nonNegativeAmount.default(0),
    amount: nonNegativeAmount.default(0),
    maxPerDay: z.number().int().min(0).max(100).default(1),
  })
  .strict();

export const notificationsSchema = z
  .object({
    webhookUrl: z.url({ protocol: /^https?$/ }).nullable().default(null),
    email: z.email().nullable().default(null),
  })
  .strict();

/** The policy as the customer or the carrier writes it (`PUT /v1/accounts/{id}/policy`); every field has a default. */
export const accountPolicySchema = z
  .object({
    allowedIps: z.array(ipOrCidr).max(100).default([]),
    credentialsEnabled: z.boolean().default(true),
    maxRatePerMinute: z.number().finite().nonnegative().max(100).nullable().default(null),
    whitelistCountries: z.array(countryCode).max(300).default([]),
    internationalEnabled: z.boolean().default(false),
    blockedCountries: z.array(countryCode).max(300).default([]),
    blockedPrefixes: z.array(digitPrefix).max(1_000).default([]),
    allowedHighRiskPrefixes: z.array(digitPrefix).max(1_000).default([]),
    limits: limitsSchema.default({ callsPerMinute: null, concurrentCalls: null, spendPerHour: null, spendPerDay: null }),
    autoRestriction: autoRestrictionSchema.default({ enabled: true }),
    autoReplenish: autoReplenishSchema.default({ enabled: false, threshold: 0, amount: 0, maxPerDay: 1 }),
    notifications: notificationsSchema.default({ webhookUrl: null, email: null }),
    /** When calls may be made (domain/policy/calling-hours.ts); null: at any time. */
    callingHours: callingHoursSchema.nullable().default(null),
  })
  .strict();

export type AccountPolicy = z.infer<typeof accountPolicySchema>;

/** The safe default for a new account: domestic only, SIP credentials allowed, no IP authentication. */
export function defaultPolicy(): AccountPolicy {
  return accountPolicySchema.parse({});
}

export const accountIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1 to 64 letters, digits, "-" or "_", starting with a letter or digit');
export const techPrefixSchema = z.string().regex(/^\d{4,12}$/, 'must be 4 to 12 digits');

export const newAccountSchema = z
  .object({
    accountId: accountIdSchema,
    name: z.string().trim().min(1).max(200),
    homeCountry: countryCode,
    techPrefix: techPrefixSchema.optional(),
    sipUsernames: z.array(z.string().min(1).max(128)).max(100).default([]),
  })
  .strict();
export type NewAccount = z.infer<typeof newAccountSchema>;

export interface Account {
  readonly accountId: string;
  readonly name: string;
  readonly homeCountry: string;
  readonly techPrefix?: string;
  readonly sipUsernames: readonly string[];
  readonly status: AccountStatus;
  /** Prepaid balance in micro-units (see domain/shared/money.ts). */
  readonly balanceMicros: number;
  /**
   * The policy calls are decided on: the customer's own made as strict as the carrier's controls
   * (domain/accounts/carrier-policy.ts). Without a carrier policy, the customer's own.
   */
  readonly policy: AccountPolicy;
  /** The customer's own policy, as `PUT /policy` wrote it; absent when it is `policy` itself. */
  readonly customerPolicy?: AccountPolicy;
  /** The carrier's controls on the account; absent: the defaults. */
  readonly carrierPolicy?: CarrierPolicy;
  /** Destinations (country code or digit prefix) blocked for this account by automatic restriction. */
  readonly restrictedDestinations: readonly string[];
  /**
   * Countries the account's history (or a reviewer's unblock) made usual; bursts to them are not restricted, except
   * to their ranges dearer than the carrier's `knownMaxRatePerMinute` (domain/profiling/destination-detection.ts).
   */
  readonly knownCountries: readonly string[];
  /** Countries a reviewer confirmed by lifting their restriction: usual at any rate. Absent: none. */
  readonly confirmedCountries?: readonly string[];
  readonly createdAt: string;
  /** Incremented on every policy or status change; used for optimistic concurrency. */
  readonly version: number;
  /** Set while a review item is open for the account (auto-replenish is suppressed meanwhile). */
  readonly openReviewId?: string;
}
