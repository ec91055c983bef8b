/**
 * How an account's live side (domain/calls/ledger.ts) is laid out on its item (`ACCOUNT#<id>` / `STATE`), next to
 * its policy and status, so that one conditional UpdateItem checks the version and the limits and takes the slot,
 * the reservation and the counts together. Top-level attributes, so that each can be added and removed by name:
 *
 * | attribute | holds |
 * | --- | --- |
 * | `availableMicros`, `liveCalls` | balance minus open reservations (so the reservations are `balanceMicros - availableMicros`), live-call count |
 * | `c#<callId>` | a live call: `r` reserved micros, `g` granted seconds, `e` expiry (epoch ms), `s` the 5-minute spend bucket its reservation is counted in |
 * | `x#<callId>` | a call charged after its reservation expired, for an hour: `c` charged micros, `s` seconds, `t` ms |
 * | `m#<minute>` | allowed calls in that epoch minute |
 * | `sh#<bucket>`, `sd#<bucket>` | reserved + settled spend (micros) in that 5-minute / 1-hour bucket of the sliding hour / day window (domain/calls/spend-windows.ts) |
 * | `h#<hour>`, `d#<day>` | legacy: spend per fixed epoch hour / UTC day, written before the sliding windows; read until it ages out, then removed |
 * | `u#<window>`, `u#<window>#<country>` | attempts to unusual destinations in that detection window, all and per country |
 * | `balanceChanged` | set by a write that moves the balance, cleared by the per-call writes: the stream filter's cue |
 *
 * The item is rewritten on every call of the account, so it is kept small: a live call holds only its money and
 * expiry (about 35 bytes plus its callId; where it goes is on its decision record), only the current and previous
 * minute and detection window are kept, and only the spend buckets a window counts (at most 13 + 25). A write costs about one write unit per KB of item: 1 KB of policy plus ~60 bytes per call in
 * progress, so an account with 300 live calls costs ~20 units a write, and ~6,000 live calls reach DynamoDB's 400 KB
 * item limit (README, "Limits of one account").
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AccountLedger, LiveCall, SettledCall, UnusualAttempts } from '../../../domain/calls/ledger.js';
import { callBucketIn, spendWindowsOf, type LegacySpendWindowName, type SpendCheck, type SpendWindowName } from '../../../domain/calls/spend-windows.js';

export const LIVE_PREFIX = 'c#';
export const SETTLED_PREFIX = 'x#';
const SPEND_PREFIXES: Readonly<Record<SpendWindowName, string>> = { hour: 'sh#', day: 'sd#', unusual: 'su#' };
const SPEND_WINDOW_BY_LETTER: Readonly<Record<string, SpendWindowName>> = { h: 'hour', d: 'day', u: 'unusual' };
const LEGACY_SPEND_PREFIXES: Readonly<Record<LegacySpendWindowName, string>> = { hour: 'h#', day: 'd#' };
/** Prefixes of the velocity, spend and detection counters (not the live calls, not the settled-call marks). */
const COUNTER_PREFIXES = ['m#', 'sh#', 'sd#', 'su#', 'h#', 'd#', 'u#'];

/**
 * The counter attributes an account item holds: allowed calls per minute, spend buckets (and legacy spend counters),
 * attempts to unusual destinations.
 */
export function counterAttributeNames(item: Record<string, unknown>): string[] {
  return Object.keys(item).filter((name) => COUNTER_PREFIXES.some((prefix) => name.startsWith(prefix)));
}

/**
 * What resetting an account's velocity, spend and detection counters writes (e.g. `POST /v1/accounts/{id}/reset`):
 * every counter removed, except that each spend bucket holding a live call's reservation is set to the reservations
 * of the calls live at the reset. A live call gives its reservation back to its bucket when it ends; had the bucket
 * been removed, it would go below zero and give that much extra room. Calls recorded before the buckets hold nothing.
 */
export function counterReset(item: Record<string, unknown>): { readonly remove: readonly string[]; readonly set: Readonly<Record<string, number>> } {
  const set: Record<string, number> = {};
  for (const call of parseLedger(item).liveCalls) {
    if (call.spendBucket === undefined) continue;
    for (const window of spendWindowsOf(call.unusual)) {
      const name = ledgerNames.spend(window, callBucketIn(window, call.spendBucket));
      set[name] = (set[name] ?? 0) + call.reservedMicros;
    }
  }
  return { remove: counterAttributeNames(item).filter((name) => set[name] === undefined), set };
}

export const ledgerNames = {
  live: (callId: string) => `${LIVE_PREFIX}${callId}`,
  settled: (callId: string) => `${SETTLED_PREFIX}${callId}`,
  minute: (minute: number) => `m#${minute}`,
  spend: (window: SpendWindowName, bucket: number) => `${SPEND_PREFIXES[window]}${bucket}`,
  legacySpend: (window: LegacySpendWindowName, index: number) => `${LEGACY_SPEND_PREFIXES[window]}${index}`,
  unusualTotal: (window: number) => `u#${window}`,
  unusualCountry: (window: number, country: string) => `u#${window}#${country}`,
};

/** The stored form of a live call (short keys: it is rewritten with the item on every call of the account); `u`: unusual destination. */
export function liveCallValue(call: LiveCall) {
  return {
    r: call.reservedMicros,
    g: call.grantedSeconds,
    e: call.expiresAtMs,
    ...(call.spendBucket !== undefined ? { s: call.spendBucket } : {}),
    ...(call.unusual ? { u: 1 } : {}),
  };
}

export function settledCallValue(settled: SettledCall) {
  return { c: settled.chargedMicros, s: settled.durationSeconds, t: settled.settledAtMs };
}

const finite = (value: unknown): number => {
  const number = Number(value);
  return Number.isFinite(number) ? number : 0;
};

function parseLiveCall(callId: string, value: unknown): LiveCall | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const entry = value as Record<string, unknown>;
  if (!Number.isFinite(Number(entry.e)) || !Number.isFinite(Number(entry.r))) return undefined;
  const spendBucket = Number(entry.s);
  return {
    callId,
    reservedMicros: finite(entry.r),
    grantedSeconds: finite(entry.g),
    expiresAtMs: finite(entry.e),
    ...(entry.s !== undefined && Number.isFinite(spendBucket) ? { spendBucket } : {}),
    ...(entry.u === 1 ? { unusual: true as const } : {}),
  };
}

/**
 * Reads the live side off an unmarshalled account item; an item written before it existed reads as empty.
 * `readAtMs`: when the whole item was read (the spend check guards the buckets that may have grown since).
 */
export function parseLedger(item: Record<string, unknown>, readAtMs?: number): AccountLedger {
  const liveCalls: LiveCall[] = [];
  const settled: Record<string, SettledCall> = {};
  const allowedCallsByMinute: Record<number, number> = {};
  const spendBuckets = { hour: {} as Record<number, number>, day: {} as Record<number, number>, unusual: {} as Record<number, number> };
  const legacySpend = { hour: {} as Record<number, number>, day: {} as Record<number, number> };
  const unusual: Record<number, { total: number; byCountry: Record<string, number> }> = {};
  const unusualOf = (window: number) => (unusual[window] ??= { total: 0, byCountry: {} });
  for (const [name, value] of Object.entries(item)) {
    const spendWindow = name[0] === 's' && name[2] === '#' ? SPEND_WINDOW_BY_LETTER[name[1] ?? ''] : undefined;
    if (spendWindow) {
      spendBuckets[spendWindow][Number(name.slice(3))] = finite(value);
      continue;
    }
    const separator = name.indexOf('#');
    if (separator !== 1) continue;
    const kind = name[0];
    const rest = name.slice(2);
    if (kind === 'c') {
      const call = parseLiveCall(rest, value);
      if (call) liveCalls.push(call);
    } else if (kind === 'x' && typeof value === 'object' && value !== null) {
      const entry = value as Record<string, unknown>;
      settled[rest] = { chargedMicros: finite(entry.c), durationSeconds: finite(entry.s), settledAtMs: finite(entry.t) };
    } else if (kind === 'm') {
      allowedCallsByMinute[Number(rest)] = finite(value);
    } else if (kind === 'h') {
      legacySpend.hour[Number(rest)] = finite(value);
    } else if (kind === 'd') {
      legacySpend.day[Number(rest)] = finite(value);
    } else if (kind === 'u') {
      const [window, country] = rest.split('#');
      const counts = unusualOf(Number(window));
      if (country) counts.byCountry[country] = finite(value);
      else counts.total = finite(value);
    }
  }
  liveCalls.sort((a, b) => a.expiresAtMs - b.expiresAtMs);
  return {
    availableMicros: finite(item.availableMicros ?? item.balanceMicros),
    // Derived, not stored: every write that moves a reservation or the balance keeps balance - available equal to it.
    reservedMicros: finite(item.balanceMicros) - finite(item.availableMicros ?? item.balanceMicros),
    liveCallCount: finite(item.liveCalls),
    liveCalls,
    settled,
    allowedCallsByMinute,
    spendBuckets,
    legacySpend,
    unusualByWindow: unusual as Record<number, UnusualAttempts>,
    ...(readAtMs !== undefined ? { readAtMs } : {}),
  };
}

/**
 * Folds what a write returned (ReturnValues UPDATED_NEW: the attributes it changed) into the ledger it was applied
 * to, so that the copy stays current without reading the whole item back. Removed attributes are dropped.
 */
export function applyUpdated(ledger: AccountLedger, updated: Record<string, unknown>, removed: readonly string[]): AccountLedger {
  const partial = parseLedger({ ...updated, availableMicros: updated.availableMicros ?? ledger.availableMicros });
  const gone = new Set(removed);
  const liveCalls = new Map(ledger.liveCalls.filter((call) => !gone.has(ledgerNames.live(call.callId))).map((call) => [call.callId, call]));
  for (const call of partial.liveCalls) liveCalls.set(call.callId, call);
  const merge = <V>(before: Readonly<Record<number, V>>, after: Readonly<Record<number, V>>, name: (index: number) => string) =>
    Object.fromEntries([...Object.entries(before).filter(([index]) => !gone.has(name(Number(index)))), ...Object.entries(after)]) as Record<number, V>;
  return {
    availableMicros: partial.availableMicros,
    // A per-call write leaves the balance as it was: what it took from the available balance it added to the reservations.
    reservedMicros: ledger.reservedMicros - (partial.availableMicros - ledger.availableMicros),
    liveCallCount: updated.liveCalls !== undefined ? partial.liveCallCount : ledger.liveCallCount,
    liveCalls: [...liveCalls.values()].sort((a, b) => a.expiresAtMs - b.expiresAtMs),
    settled: Object.fromEntries(Object.entries(ledger.settled).filter(([callId]) => !gone.has(ledgerNames.settled(callId)))),
    allowedCallsByMinute: merge(ledger.allowedCallsByMinute, partial.allowedCallsByMinute, ledgerNames.minute),
    spendBuckets: {
      hour: merge(ledger.spendBuckets.hour, partial.spendBuckets.hour, (bucket) => ledgerNames.spend('hour', bucket)),
      day: merge(ledger.spendBuckets.day, partial.spendBuckets.day, (bucket) => ledgerNames.spend('day', bucket)),
      unusual: merge(ledger.spendBuckets.unusual ?? {}, partial.spendBuckets.unusual ?? {}, (bucket) => ledgerNames.spend('unusual', bucket)),
    },
    legacySpend: {
      hour: merge(ledger.legacySpend.hour, partial.legacySpend.hour, (index) => ledgerNames.legacySpend('hour', index)),
      day: merge(ledger.legacySpend.day, partial.legacySpend.day, (index) => ledgerNames.legacySpend('day', index)),
    },
    unusualByWindow: mergeUnusual(ledger.unusualByWindow, partial.unusualByWindow, gone, (index) => updated[ledgerNames.unusualTotal(index)] !== undefined),
    // The rest of the copy is still as of the whole read.
    ...(ledger.readAtMs !== undefined ? { readAtMs: ledger.readAtMs } : {}),
  };
}

function mergeUnusual(
  before: Readonly<Record<number, UnusualAttempts>>,
  after: Readonly<Record<number, UnusualAttempts>>,
  gone: ReadonlySet<string>,
  totalUpdated: (index: number) => boolean,
): Record<number, UnusualAttempts> {
  const merged: Record<number, UnusualAttempts> = {};
  for (const [index, counts] of Object.entries(before)) {
    if (!gone.has(ledgerNames.unusualTotal(Number(index)))) merged[Number(index)] = counts;
  }
  for (const [index, counts] of Object.entries(after)) {
    const previous = merged[Number(index)];
    merged[Number(index)] = {
      total: totalUpdated(Number(index)) ? counts.total : (previous?.total ?? 0),
      byCountry: { ...previous?.byCountry, ...counts.byCountry },
    };
  }
  return merged;
}

/** True when the item predates the live side and needs its counters initialised before a conditional write. */
export function needsLedgerFields(item: Record<string, unknown>): boolean {
  return item.availableMicros === undefined || item.liveCalls === undefined;
}

/**
 * Builds one update expression from named parts, so that the several concerns of a write (a live call, counters,
 * cleanup) can each add their conditions and actions, and every attribute name and value gets its own placeholder.
 */
export class ExpressionBuilder {
  private readonly names = new Map<string, string>();
  private readonly values: Record<string, unknown> = {};
  private readonly conditions: string[] = [];
  private readonly sets: string[] = [];
  private readonly adds = new Map<string, number>();
  private readonly removes = new Set<string>();
  private valueCount = 0;

  name(attribute: string): string {
    let placeholder = this.names.get(attribute);
    if (!placeholder) {
      placeholder = `#n${this.names.size}`;
      this.names.set(attribute, placeholder);
    }
    return placeholder;
  }

  value(value: unknown): string {
    const placeholder = `:v${this.valueCount}`;
    this.valueCount += 1;
    this.values[placeholder] = value;
    return placeholder;
  }

  condition(expression: string): this {
    this.conditions.push(expression);
    return this;
  }

  set(attribute: string, value: unknown): this {
    this.sets.push(`${this.name(attribute)} = ${this.value(value)}`);
    return this;
  }

  /** SETs one field of a map attribute, leaving its other fields as they are. */
  setField(attribute: string, field: string, value: unknown): this {
    this.sets.push(`${this.name(attribute)}.${field} = ${this.value(value)}`);
    return this;
  }

  /** ADDs to a number; several adds to one attribute are summed into one action (DynamoDB allows one per path). */
  add(attribute: string, amount: number): this {
    this.adds.set(attribute, (this.adds.get(attribute) ?? 0) + amount);
    return this;
  }

  remove(attribute: string): this {
    this.removes.add(attribute);
    return this;
  }

  /** Whether the expression already names this attribute (a second action on it would overlap). */
  touches(attribute: string): boolean {
    return this.names.has(attribute) || this.adds.has(attribute) || this.removes.has(attribute);
  }

  /** The attributes this expression removes, to fold a write's result into a copy (see applyUpdated). */
  get removedAttributes(): string[] {
    return [...this.removes].filter((attribute) => !this.adds.has(attribute));
  }

  get hasActions(): boolean {
    return this.sets.length > 0 || this.adds.size > 0 || this.removes.size > 0;
  }

  build() {
    const adds = [...this.adds].filter(([, amount]) => amount !== 0).map(([attribute, amount]) => `${this.name(attribute)} ${this.value(amount)}`);
    const removes = [...this.removes].filter((attribute) => !this.adds.has(attribute)).map((attribute) => this.name(attribute));
    const clauses = [
      this.sets.length ? `SET ${this.sets.join(', ')}` : '',
      adds.length ? `ADD ${adds.join(', ')}` : '',
      removes.length ? `REMOVE ${removes.join(', ')}` : '',
    ].filter(Boolean);
    return {
      UpdateExpression: clauses.join(' '),
      ...(this.conditions.length ? { ConditionExpression: this.conditions.map((condition) => `(${condition})`).join(' AND ') } : {}),
      ExpressionAttributeNames: Object.fromEntries([...this.names].map(([attribute, placeholder]) => [placeholder, attribute])),
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

/**
 * One sliding window's conditions (domain/calls/spend-windows.ts): the current bucket within what the window's other
 * buckets leave, and the guarded buckets no larger than read. A missing bucket is zero.
 */
export function spendCheckConditions(expression: ExpressionBuilder, check: SpendCheck): void {
  const atMost = (bucket: number, bound: number) => {
    const name = expression.name(ledgerNames.spend(check.window, bucket));
    return `attribute_not_exists(${name}) OR ${name} <= ${expression.value(bound)}`;
  };
  expression.condition(check.currentAtMost >= 0 ? atMost(check.bucket, check.currentAtMost) : 'attribute_not_exists(pk)');
  for (const guard of check.guards) expression.condition(atMost(guard.bucket, guard.atMost));
}

/** The builder's expression, values marshalled, ready to spread into an UpdateItem. */
export function marshalled(built: ReturnType<ExpressionBuilder['build']>) {
  return {
    UpdateExpression: built.UpdateExpression,
    ...(built.ConditionExpression ? { ConditionExpression: built.ConditionExpression } : {}),
    ExpressionAttributeNames: built.ExpressionAttributeNames,
    ...(built.ExpressionAttributeValues ? { ExpressionAttributeValues: marshall(built.ExpressionAttributeValues, { removeUndefinedValues: true }) } : {}),
  };
}
