/**
 * Unblock hints: with every denial, the smallest changes that would have let this call through, as data a screen can
 * offer as a button (`unblock` on the authorize answer and the stored decision).
 *
 * They are worked out by the engine itself, never written per reason by hand:
 *  1. For the rule that denied, list candidate changes (a policy patch, a credit, a reviewer's action), the narrowest
 *     first and those the customer may make alone before those that need the carrier (`by`).
 *  2. Apply each to a copy of the input (the customer's policy patched, the carrier's controls applied again:
 *     `effectivePolicy`) and evaluate the call again with `evaluateCall`; keep the first candidate that gets past the
 *     rule that denied.
 *  3. If a later rule then denies, extend the hint with that rule's candidate the same way (at most MAX_LINKS
 *     links), so that the hint is the set of changes that makes the call ALLOWED.
 *  4. No candidate for a rule (a banned source, an unknown account, an impossible number, no route, a race lost under
 *     contention), or no way to ALLOWED within the bound: `[]`.
 *
 * A customer change the carrier's ceiling forbids is never offered as the customer's: the hint raises the carrier's
 * control first (`by: "admin"`, path `carrierPolicy.…`), then the customer's own. Changes are listed in the order
 * they are to be applied; each says who may apply it once the ones before it are.
 */
import type { Account, AccountPolicy } from '../accounts/account.js';
import { effectiveCallingHours, effectivePolicy, type CarrierPolicy } from '../accounts/carrier-policy.js';
import { fromMicros, toMicros } from '../shared/money.js';
import { clockText, isWithinCallingHours, localTimeIn, type CallingWindow } from './calling-hours.js';
import { stepOf, type CallDecision, type RuleEvidence } from './decision.js';
import { evaluateCall, type EngineDecision, type EvaluationInput } from './evaluate-call.js';

/** Who may apply a change: the customer (PUT /policy), an admin (carrier policy, credits), a reviewer (reviews). */
export type UnblockActor = 'customer' | 'admin' | 'reviewer';

/**
 * What a reviewer does: reactivate a suspended account, clear its review, lift an automatic restriction, lift a
 * carrier-wide range restriction (DELETE /v1/range-restrictions/{range}: `destination` names the range).
 */
export type ReviewAction = 'reactivate' | 'clear-review' | 'unblock-destination' | 'lift-range-restriction';

/**
 * One change. `path` is a field of the customer's policy (`maxRatePerMinute`, `limits.spendPerHour`,
 * `callingHours.windows`, …) or, prefixed `carrierPolicy.`, of the carrier's; `value` sets it, `add` / `remove` add
 * an entry to or take one from a list. `credit` is `POST /credits`; `review` a reviewer's action.
 */
export type UnblockChange =
  | { readonly path: string; readonly value: number | boolean | string; readonly by: UnblockActor }
  | { readonly path: string; readonly add: string | CallingWindow; readonly by: UnblockActor }
  | { readonly path: string; readonly remove: string; readonly by: UnblockActor }
  | { readonly action: 'credit'; readonly amount: number; readonly by: 'admin' }
  | { readonly action: 'review'; readonly review: ReviewAction; readonly destination?: string; readonly by: 'reviewer' };

/** Links of rule after rule a hint may chain before it gives up. */
const MAX_LINKS = 6;
const CARRIER = 'carrierPolicy.';

/** The hint for a decision `evaluateCall(input)` gave; `[]` for an allow. */
export function unblockHints(input: EvaluationInput, decision: CallDecision<RuleEvidence> = evaluateCall(input)): UnblockChange[] {
  if (decision.decision === 'allow') return [];
  let current = input;
  let denial = decision;
  const changes: UnblockChange[] = [];
  for (let link = 0; link < MAX_LINKS; link += 1) {
    const step = stepOf(denial.reason);
    let next: { readonly input: EvaluationInput; readonly decision: EngineDecision; readonly changes: readonly UnblockChange[] } | undefined;
    for (const candidate of candidatesFor(denial, current)) {
      const patched = applyUnblock(current, candidate);
      const again = evaluateCall(patched);
      if (again.decision === 'allow' || stepOf(again.reason) > step) {
        next = { input: patched, decision: again, changes: candidate };
        break;
      }
    }
    if (!next) return [];
    changes.push(...next.changes);
    if (next.decision.decision === 'allow') return changes;
    current = next.input;
    denial = next.decision;
  }
  return [];
}

/** The input with the changes applied, as the API would apply them (policies patched, effective policy derived again). */
export function applyUnblock(input: EvaluationInput, changes: readonly UnblockChange[]): EvaluationInput {
  const { account } = input;
  if (!account) return input;
  let customer: AccountPolicy = account.customerPolicy ?? account.policy;
  let carrier: CarrierPolicy | undefined = account.carrierPolicy;
  let next: Account = account;
  let restrictedRanges = input.restrictedRanges;
  for (const change of changes) {
    if ('action' in change && change.action === 'review' && change.review === 'lift-range-restriction') {
      restrictedRanges = (restrictedRanges ?? []).filter((range) => range !== change.destination);
    } else if ('action' in change) {
      next = change.action === 'credit' ? { ...next, balanceMicros: next.balanceMicros + toMicros(change.amount) } : reviewed(next, change.review, change.destination);
    } else if (change.path.startsWith(CARRIER)) {
      carrier = patched(carrier ?? {}, change.path.slice(CARRIER.length), change) as CarrierPolicy;
    } else {
      customer = patched(customer, change.path, change) as AccountPolicy;
    }
  }
  const policy = carrier ? effectivePolicy(customer, carrier) : customer;
  next = { ...next, policy, ...(account.customerPolicy ? { customerPolicy: customer } : {}), ...(carrier ? { carrierPolicy: carrier } : {}) };
  return { ...input, account: next, ...(restrictedRanges ? { restrictedRanges } : {}) };
}

function reviewed(account: Account, review: ReviewAction, destination: string | undefined): Account {
  if (review !== 'unblock-destination') return { ...account, status: 'active' };
  if (!destination) return account;
  // As DELETE /blocked-destinations does: the restriction lifted, and the country known and confirmed from then on.
  const country = /^[A-Z]{2}$/.test(destination) ? destination : undefined;
  const confirmed = account.confirmedCountries ?? [];
  return {
    ...account,
    restrictedDestinations: account.restrictedDestinations.filter((entry) => entry !== destination),
    knownCountries: country && !account.knownCountries.includes(country) ? [...account.knownCountries, country] : account.knownCountries,
    confirmedCountries: country && !confirmed.includes(country) ? [...confirmed, country] : confirmed,
  };
}

/** A copy of `target` with the change made at its dotted path. */
function patched(target: object, path: string, change: Exclude<UnblockChange, { readonly action: string }>): object {
  const [head, ...rest] = path.split('.');
  const record = target as Record<string, unknown>;
  if (head === undefined) return target;
  if (rest.length > 0) return { ...record, [head]: patched((record[head] as object | null) ?? {}, rest.join('.'), change) };
  if ('value' in change) return { ...record, [head]: change.value };
  const list = Array.isArray(record[head]) ? (record[head] as unknown[]) : [];
  if ('add' in change) return { ...record, [head]: list.includes(change.add) ? list : [...list, change.add] };
  return { ...record, [head]: list.filter((entry) => entry !== change.remove) };
}

/**
 * Candidate change sets for the rule that denied, in the order they are tried: the narrowest first, and what the
 * customer may do alone before what needs an admin.
 */
function candidatesFor(decision: CallDecision<RuleEvidence>, input: EvaluationInput): UnblockChange[][] {
  const { account } = input;
  const { rule, destination } = decision;
  if (!account) return [];
  const customer = account.customerPolicy ?? account.policy;
  const carrier = account.carrierPolicy;
  const digits = destination?.e164.replace(/^\+/, '') ?? '';
  switch (rule.rule) {
    case 'ACCOUNT_SUSPENDED':
      return [[{ action: 'review', review: 'reactivate', by: 'reviewer' }]];
    case 'ACCOUNT_UNDER_REVIEW':
      return [[{ action: 'review', review: 'clear-review', by: 'reviewer' }]];
    case 'CREDENTIALS_DISABLED':
      return [[{ path: 'credentialsEnabled', value: true, by: 'customer' }]];
    case 'SOURCE_IP_NOT_ALLOWED':
      return [[{ path: 'allowedIps', add: rule.evidence.sourceIp, by: 'customer' }]];
    case 'DESTINATION_BLOCKED': {
      if (!destination) return [];
      const countries = customer.blockedCountries.filter((country) => country === destination.country);
      const prefixes = customer.blockedPrefixes.filter((prefix) => digits.startsWith(prefix));
      return [
        [
          ...countries.map((country) => ({ path: 'blockedCountries', remove: country, by: 'customer' as const })),
          ...prefixes.map((prefix) => ({ path: 'blockedPrefixes', remove: prefix, by: 'customer' as const })),
        ],
      ];
    }
    case 'DESTINATION_RESTRICTED': {
      // A range the range watch restricted carrier-wide: a reviewer lifts it for every account.
      if ('scope' in rule.evidence && rule.evidence.scope === 'carrier') {
        return [[{ action: 'review', review: 'lift-range-restriction', destination: rule.evidence.restrictedBy, by: 'reviewer' }]];
      }
      // Every restriction that matches the call (its country, a prefix of the number); a new one is not listed yet.
      const listed = account.restrictedDestinations.filter((entry) => entry === destination?.country || digits.startsWith(entry));
      const entries = listed.length > 0 ? listed : [rule.evidence.restrictedBy];
      return [entries.map((entry) => ({ action: 'review', review: 'unblock-destination', destination: entry, by: 'reviewer' }))];
    }
    case 'HIGH_RISK_DESTINATION': {
      const prefix = rule.evidence.highRiskPrefix;
      const carrierPermits = !carrier || carrier.allowedHighRiskPrefixes.some((allowed) => prefix.startsWith(allowed));
      return [
        [
          ...(carrierPermits ? [] : [{ path: `${CARRIER}allowedHighRiskPrefixes`, add: prefix, by: 'admin' as const }]),
          { path: 'allowedHighRiskPrefixes', add: prefix, by: 'customer' },
        ],
      ];
    }
    case 'INTERNATIONAL_DISABLED':
      return byActor([
        // With the carrier keeping international off, only an admin may whitelist a country (domain/accounts/carrier-policy.ts).
        [{ path: 'whitelistCountries', add: rule.evidence.country, by: carrier && !carrier.internationalEnabled ? 'admin' : 'customer' }],
        [
          ...(carrier && !carrier.internationalEnabled ? [{ path: `${CARRIER}internationalEnabled`, value: true, by: 'admin' as const }] : []),
          { path: 'internationalEnabled', value: true, by: 'customer' },
        ],
      ]);
    case 'RATE_ABOVE_MAX':
      return byActor([
        raised('maxRatePerMinute', rule.evidence.ratePerMinute, customer.maxRatePerMinute, carrier?.maxRatePerMinute ?? null),
        [{ path: 'whitelistCountries', add: destination?.country ?? '', by: 'customer' }],
      ]);
    case 'OUTSIDE_CALLING_HOURS':
      return callingHoursCandidates(input, destination?.country);
    case 'VELOCITY_LIMIT':
      return [raised('limits.callsPerMinute', Math.ceil(rule.evidence.callsLastMinute), customer.limits.callsPerMinute, carrier?.limits.callsPerMinute ?? null)];
    case 'CONCURRENCY_LIMIT':
      if ('contention' in rule.evidence) return [];
      return [raised('limits.concurrentCalls', rule.evidence.concurrentCalls + 1, customer.limits.concurrentCalls, carrier?.limits.concurrentCalls ?? null)];
    case 'SPEND_LIMIT': {
      // Each window's limit raised to what was spent in it plus the minimum billable time of this call, both at once.
      const minimumCost = ((destination?.ratePerMinute ?? 0) * input.settings.minimumBillableSeconds) / 60;
      const spent = { spendPerHour: input.usage.spendLastHour, spendPerDay: input.usage.spendToday };
      return [0, 1, 2].map((extraCents) =>
        (['spendPerHour', 'spendPerDay'] as const).flatMap((name) => {
          const limit = account.policy.limits[name];
          const needed = centsAbove(spent[name] + minimumCost, extraCents);
          return limit === null || limit >= needed ? [] : raised(`limits.${name}`, needed, customer.limits[name], carrier?.limits[name] ?? null);
        }),
      );
    }
    case 'INSUFFICIENT_BALANCE': {
      const missing = Math.max(rule.evidence.minimumCost - rule.evidence.available, fromMicros(1));
      return centsFrom(missing).map((amount) => [{ action: 'credit', amount, by: 'admin' }]);
    }
    default:
      return [];
  }
}

/**
 * The effective value of a ceiling-controlled field raised to `value`: the carrier's ceiling first when it is lower
 * (an admin's change), then the customer's own when it is lower (the customer's, allowed once the ceiling is raised).
 */
function raised(path: string, value: number, own: number | null, ceiling: number | null): UnblockChange[] {
  return [
    ...(ceiling !== null && ceiling < value ? [{ path: `${CARRIER}${path}`, value, by: 'admin' as const }] : []),
    ...(own !== null && own < value ? [{ path, value, by: 'customer' as const }] : []),
  ];
}

/**
 * A window of the hour that holds now, on today's local weekday, in each set that refuses; or, for a domestic call
 * refused by windows that apply to every call, windows that apply to international calls only.
 */
function callingHoursCandidates(input: EvaluationInput, country: string | undefined): UnblockChange[][] {
  const { account } = input;
  if (!account) return [];
  const nowMs = input.now.getTime();
  const domestic = country === account.homeCountry;
  const refusing = effectiveCallingHours(account).filter(({ hours }) => (hours.appliesTo === 'all' || !domestic) && !isWithinCallingHours(hours, nowMs));
  const prefix = (setBy: 'customer' | 'carrier') => (setBy === 'carrier' ? CARRIER : '');
  const by = (setBy: 'customer' | 'carrier') => (setBy === 'carrier' ? ('admin' as const) : ('customer' as const));
  const windows = refusing.map(({ setBy, hours }): UnblockChange => {
    const local = localTimeIn(hours.timezone, nowMs);
    const hourStart = Math.floor(local.minuteOfDay / 60) * 60;
    const window: CallingWindow = { days: [local.weekday], from: clockText(hourStart), to: clockText(hourStart + 60) };
    return { path: `${prefix(setBy)}callingHours.windows`, add: window, by: by(setBy) };
  });
  const internationalOnly = domestic ? refusing.map(({ setBy }): UnblockChange => ({ path: `${prefix(setBy)}callingHours.appliesTo`, value: 'international', by: by(setBy) })) : [];
  return byActor([windows, ...(internationalOnly.length > 0 ? [internationalOnly] : [])]);
}

/** The amount rounded up to the cent, and the next two cents (re-evaluation keeps the first that is enough). */
function centsFrom(amount: number): number[] {
  return [0, 1, 2].map((extraCents) => centsAbove(amount, extraCents));
}

/** The amount rounded up to the cent (micros first, so that 0.1 + 0.2 stays 0.30), plus `extraCents`. */
function centsAbove(amount: number, extraCents: number): number {
  return (Math.ceil(Math.round(amount * 1e6) / 1e4) + extraCents) / 100;
}

const RANK: Readonly<Record<UnblockActor, number>> = { customer: 0, admin: 1, reviewer: 2 };

/** Alternatives the customer may apply alone first; otherwise in the order given. */
function byActor(alternatives: UnblockChange[][]): UnblockChange[][] {
  const rank = (changes: readonly UnblockChange[]) => Math.max(0, ...changes.map((change) => RANK[change.by]));
  return alternatives.filter((changes) => changes.length > 0).sort((a, b) => rank(a) - rank(b));
}
