/**
 * The carrier's controls on an account: ceilings and floors the customer's own policy cannot cross. A stolen
 * customer token must not be able to switch fraud control off: a customer's policy may only be as strict as the
 * carrier's or stricter (a change beyond it is refused, naming each field), and the policy every call is decided on
 * is the stricter of the two (`effectivePolicy`).
 *
 * | control | the customer's policy must | effective |
 * | --- | --- | --- |
 * | `maxRatePerMinute` | set a maximum no higher | the lower; the carrier's holds for whitelisted countries too |
 * | `limits.*` | set each limit the carrier sets, no higher | the lower of each |
 * | `internationalEnabled: false` | keep international off; add no whitelisted country (an admin may) | off |
 * | `autoRestriction` | keep detection on when the carrier does; thresholds and `unusualCallMaxCost` no higher | on if either; the lower of each |
 * | `allowedHighRiskPrefixes` | allow only within these | the customer's entries within these |
 * | `widestIpRange` | list no allowed-IP range wider than /ipv4 or /ipv6 | wider entries dropped |
 * | `callingHours` | (nothing: the customer cannot touch them) | a call needs the carrier's windows and the customer's |
 *
 * The carrier's calling windows stay on the carrier's policy (the engine reads both sets, `effectiveCallingHours`);
 * the effective policy `GET /policy` shows carries them as `carrierCallingHours` beside the customer's `callingHours`.
 */
import * as z from 'zod';
import { callingHoursSchema, type CallingHours, type OwnedCallingHours } from '../policy/calling-hours.js';
import { entryWidth } from '../policy/ip-allowlist.js';

/** The fields of an account's policy the carrier controls (domain/accounts/account.ts has the whole policy). */
export interface ControlledPolicy {
  readonly maxRatePerMinute: number | null;
  readonly limits: { readonly callsPerMinute: number | null; readonly concurrentCalls: number | null; readonly spendPerHour: number | null; readonly spendPerDay: number | null };
  readonly internationalEnabled: boolean;
  readonly autoRestriction: {
    readonly enabled: boolean;
    readonly newDestinationAttempts?: number | undefined;
    readonly newDestinationTotalAttempts?: number | undefined;
    readonly unusualCallMaxCost?: number | undefined;
  };
  readonly allowedHighRiskPrefixes: readonly string[];
  readonly allowedIps: readonly string[];
  readonly whitelistCountries: readonly string[];
}

const digitPrefix = z.string().regex(/^\d{1,15}$/, 'must be 1 to 15 digits (an E.164 prefix without "+")');
const amount = z.number().finite().nonnegative().max(1_000_000);
const count = z.number().int().positive().max(100_000);

/** The highest limits an account may have; null: the carrier sets none. */
const limitCeilingsSchema = z
  .object({
    callsPerMinute: count.nullable().default(null),
    concurrentCalls: count.nullable().default(null),
    spendPerHour: amount.nullable().default(null),
    spendPerDay: amount.nullable().default(null),
  })
  .strict();

export const carrierPolicySchema = z
  .object({
    maxRatePerMinute: z.number().finite().nonnegative().max(100).nullable().default(null),
    limits: limitCeilingsSchema.default({ callsPerMinute: null, concurrentCalls: null, spendPerHour: null, spendPerDay: null }),
    /** false: the account calls home (and whitelisted countries) only, whatever its own policy says. */
    internationalEnabled: z.boolean().default(true),
    autoRestriction: z
      .object({
        /** true: the customer cannot switch automatic restriction off. */
        enabled: z.boolean().default(true),
        newDestinationAttempts: z.number().int().min(1).max(10_000).optional(),
        newDestinationTotalAttempts: z.number().int().min(1).max(10_000).optional(),
        /** The unusual-destination cost cap for this account; the customer may only set it lower. */
        unusualCallMaxCost: z.number().finite().nonnegative().max(10_000).optional(),
      })
      .strict()
      .default({ enabled: true }),
    /**
     * true: while the fraud desk has a review open for the account (a burst restricted, failed authentications from
     * one of its own peers), the account is held `under_review`: new calls are refused ACCOUNT_UNDER_REVIEW and live
     * calls get no more credit, but are not ended (a suspension ends them). Resolving the review lifts the hold
     * (`clear`) or suspends (`suspend`). Off by default: one restricted destination then stops only that destination.
     */
    holdOnReview: z.boolean().default(false),
    /** Exceptions to the carrier's high-risk list the customer may take (within these prefixes); none by default. */
    allowedHighRiskPrefixes: z.array(digitPrefix).max(1_000).default([]),
    /** The widest source range a customer may allow: 0.0.0.0/0 is never a customer's call. */
    widestIpRange: z
      .object({ ipv4: z.number().int().min(0).max(32).default(24), ipv6: z.number().int().min(0).max(128).default(48) })
      .strict()
      .default({ ipv4: 24, ipv6: 48 }),
    /** Calling windows every call of the account must also be inside, whatever the customer's own say; null: none. */
    callingHours: callingHoursSchema.nullable().default(null),
  })
  .strict();

export type CarrierPolicy = z.infer<typeof carrierPolicySchema>;

export function defaultCarrierPolicy(): CarrierPolicy {
  return carrierPolicySchema.parse({});
}

/** The carrier's detection thresholds, for the ceilings on an account's own: the carrier-wide defaults, unless set. */
export interface DetectionDefaults {
  readonly newDestinationAttempts: number;
  readonly newDestinationTotalAttempts: number;
  /** null: the carrier sets no cap, so the customer's is the only one. */
  readonly unusualCallMaxCost: number | null;
}

export interface PolicyViolation {
  readonly field: string;
  readonly message: string;
}

const LIMIT_NAMES = ['callsPerMinute', 'concurrentCalls', 'spendPerHour', 'spendPerDay'] as const;

/** Every field of a customer's policy that would loosen the carrier's controls. */
export function carrierPolicyViolations(policy: ControlledPolicy, carrier: CarrierPolicy, detection: DetectionDefaults, current?: Pick<ControlledPolicy, 'whitelistCountries'>): PolicyViolation[] {
  const problems: PolicyViolation[] = [];
  const ceiling = (field: string, value: number | null, max: number | null) => {
    if (max === null) return;
    if (value === null) problems.push({ field, message: `is required: the carrier sets at most ${max}` });
    else if (value > max) problems.push({ field, message: `must be at most ${max} (the carrier's ceiling)` });
  };
  ceiling('maxRatePerMinute', policy.maxRatePerMinute, carrier.maxRatePerMinute);
  for (const name of LIMIT_NAMES) ceiling(`limits.${name}`, policy.limits[name], carrier.limits[name]);
  if (!carrier.internationalEnabled && policy.internationalEnabled) {
    problems.push({ field: 'internationalEnabled', message: 'must be false: the carrier keeps international calling off for this account' });
  }
  if (!carrier.internationalEnabled) {
    // A whitelisted country is called with international off: adding one would open what the carrier closed.
    policy.whitelistCountries.forEach((country, index) => {
      if (!current?.whitelistCountries.includes(country)) {
        problems.push({ field: `whitelistCountries.${index}`, message: `${country} cannot be added: the carrier keeps international calling off for this account (an admin may whitelist it)` });
      }
    });
  }
  if (carrier.autoRestriction.enabled && !policy.autoRestriction.enabled) {
    problems.push({ field: 'autoRestriction.enabled', message: 'must be true: the carrier keeps automatic restriction on' });
  }
  for (const name of ['newDestinationAttempts', 'newDestinationTotalAttempts'] as const) {
    const max = carrier.autoRestriction[name] ?? detection[name];
    const value = policy.autoRestriction[name];
    if (value !== undefined && value > max) problems.push({ field: `autoRestriction.${name}`, message: `must be at most ${max} (the carrier's threshold)` });
  }
  const maxUnusualCost = carrier.autoRestriction.unusualCallMaxCost ?? detection.unusualCallMaxCost;
  const unusualCost = policy.autoRestriction.unusualCallMaxCost;
  if (maxUnusualCost !== null && unusualCost !== undefined && unusualCost > maxUnusualCost) {
    problems.push({ field: 'autoRestriction.unusualCallMaxCost', message: `must be at most ${maxUnusualCost} (the carrier's cap on a call to an unusual destination)` });
  }
  policy.allowedHighRiskPrefixes.forEach((prefix, index) => {
    if (!carrier.allowedHighRiskPrefixes.some((allowed) => prefix.startsWith(allowed))) {
      problems.push({ field: `allowedHighRiskPrefixes.${index}`, message: `${prefix} is not within the exceptions the carrier permits (${carrier.allowedHighRiskPrefixes.join(', ') || 'none'})` });
    }
  });
  policy.allowedIps.forEach((entry, index) => {
    if (!withinWidth(entry, carrier)) {
      const width = entryWidth(entry);
      const widest = width?.family === 'ipv6' ? carrier.widestIpRange.ipv6 : carrier.widestIpRange.ipv4;
      problems.push({ field: `allowedIps.${index}`, message: `${entry} is wider than the carrier allows (/${widest} at most)` });
    }
  });
  return problems;
}

/** The policy a call is decided on: the customer's, made as strict as the carrier's controls wherever it is not. */
export function effectivePolicy<P extends ControlledPolicy>(policy: P, carrier: CarrierPolicy): P {
  const lower = (value: number | null, max: number | null) => (max === null ? value : value === null ? max : Math.min(value, max));
  const threshold = (value: number | undefined, max: number | undefined) => (max === undefined ? value : value === undefined ? max : Math.min(value, max));
  const newDestinationAttempts = threshold(policy.autoRestriction.newDestinationAttempts, carrier.autoRestriction.newDestinationAttempts);
  const newDestinationTotalAttempts = threshold(policy.autoRestriction.newDestinationTotalAttempts, carrier.autoRestriction.newDestinationTotalAttempts);
  const unusualCallMaxCost = threshold(policy.autoRestriction.unusualCallMaxCost, carrier.autoRestriction.unusualCallMaxCost);
  return {
    ...policy,
    maxRatePerMinute: lower(policy.maxRatePerMinute, carrier.maxRatePerMinute),
    limits: Object.fromEntries(LIMIT_NAMES.map((name) => [name, lower(policy.limits[name], carrier.limits[name])])) as P['limits'],
    internationalEnabled: policy.internationalEnabled && carrier.internationalEnabled,
    autoRestriction: {
      enabled: policy.autoRestriction.enabled || carrier.autoRestriction.enabled,
      ...(newDestinationAttempts !== undefined ? { newDestinationAttempts } : {}),
      ...(newDestinationTotalAttempts !== undefined ? { newDestinationTotalAttempts } : {}),
      ...(unusualCallMaxCost !== undefined ? { unusualCallMaxCost } : {}),
    },
    allowedHighRiskPrefixes: policy.allowedHighRiskPrefixes.filter((prefix) => carrier.allowedHighRiskPrefixes.some((allowed) => prefix.startsWith(allowed))),
    allowedIps: policy.allowedIps.filter((entry) => withinWidth(entry, carrier)),
  };
}

function withinWidth(entry: string, carrier: CarrierPolicy): boolean {
  const width = entryWidth(entry);
  if (!width) return false;
  return width.bits >= (width.family === 'ipv4' ? carrier.widestIpRange.ipv4 : carrier.widestIpRange.ipv6);
}

/** An account's policies as far as calling windows go (domain/accounts/account.ts has the account). */
interface WithCallingHours<P extends object> {
  readonly policy: P & { readonly callingHours: CallingHours | null };
  readonly carrierPolicy?: { readonly callingHours: CallingHours | null } | undefined;
}

/** The calling windows a call of the account must be inside: the carrier's and the customer's (effective) ones. */
export function effectiveCallingHours(account: WithCallingHours<object>): OwnedCallingHours[] {
  const sets: OwnedCallingHours[] = [];
  if (account.policy.callingHours) sets.push({ setBy: 'customer', hours: account.policy.callingHours });
  if (account.carrierPolicy?.callingHours) sets.push({ setBy: 'carrier', hours: account.carrierPolicy.callingHours });
  return sets;
}

/** The effective policy as `GET /policy` and `GET /carrier-policy` show it: with the carrier's calling windows. */
export function effectivePolicyView<P extends object>(account: WithCallingHours<P>) {
  return { ...account.policy, carrierCallingHours: account.carrierPolicy?.callingHours ?? null };
}
