/**
 * The stream mapping's filter and the stream publisher must agree: every change the publisher turns into an event
 * has to pass the filter Lambda applies before invoking it, or that event is silently never published.
 * The filter is evaluated here with the rules Lambda uses for these patterns (exact values, nested keys).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { outboxPut } from '../../functions/adapters/dynamodb/outbox.js';
import { eventsFromChange, type ChangeRecord } from '../../functions/adapters/dynamodb/stream-events.js';
import { STREAM_PUBLISHER_PATTERNS } from '../../infra/stacks/stateless-stack.js';

type Pattern = { readonly [key: string]: Pattern | readonly string[] };

function matches(pattern: Pattern, value: unknown): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = (value as Record<string, unknown> | undefined)?.[key];
    return Array.isArray(expected) ? expected.includes(actual as string) : matches(expected as Pattern, actual);
  });
}

const passesFilter = (record: ChangeRecord) => STREAM_PUBLISHER_PATTERNS.some((pattern) => matches(pattern as unknown as Pattern, record));

const image = (item: Record<string, unknown>) => marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>;

function decision(verdict: 'allow' | 'deny', destinationUsual?: boolean) {
  return image({
    pk: 'CALL#c-1',
    sk: 'DECISION',
    entity: 'decision',
    gsi1pk: 'DECISIONS#acme',
    gsi1sk: '2026-11-25T12:00:00.000Z#c-1',
    expiresAt: 1_800_000_000,
    record: {
      decisionId: 'd-1',
      callId: 'c-1',
      decision: verdict,
      reason: verdict === 'deny' ? 'RATE_ABOVE_MAX' : 'ALLOWED',
      sipCode: verdict === 'deny' ? 403 : 200,
      sipReason: verdict === 'deny' ? 'Forbidden' : 'OK',
      accountId: 'acme',
      decidedAt: '2026-11-25T12:00:00.000Z',
      destination: { e164: '+2693210000', country: 'KM', prefix: '269', ratePerMinute: 1.2 },
      maxDurationSeconds: null,
      rule: { rule: 'RATE_ABOVE_MAX', step: 5, detail: 'rate above the maximum', evidence: {} },
      ...(destinationUsual === undefined ? {} : { seen: { balanceMicros: 0, usage: {}, destinationUsual } }),
    },
  });
}

function account(balance: number, balanceChanged = true) {
  return image({
    pk: 'ACCOUNT#acme',
    sk: 'STATE',
    entity: 'account',
    accountId: 'acme',
    homeCountry: 'GB',
    status: 'active',
    balanceMicros: balance * 1_000_000,
    ...(balanceChanged ? { balanceChanged: true } : {}),
    policy: { autoReplenish: { enabled: true, threshold: 10, amount: 50, maxPerDay: 1 } },
    version: 3,
  });
}

const outboxItem = outboxPut('tollgate', 'IP Banned', {
  eventId: 'ip-banned:203.0.113.7:1',
  occurredAt: '2026-11-25T12:00:00.000Z',
  accountId: null,
  ip: '203.0.113.7',
  bannedUntil: '2026-11-25T13:00:00.000Z',
  failures: 5,
  offence: 1,
}).Put?.Item as Record<string, AttributeValue>;

const EVENTFUL: Record<string, ChangeRecord> = {
  'an outbox item inserted': { eventID: '1', eventName: 'INSERT', dynamodb: { NewImage: outboxItem } },
  'a deny decision inserted': { eventID: '2', eventName: 'INSERT', dynamodb: { NewImage: decision('deny') } },
  'an allow decision to a destination unusual for the account (the range watch counts it)': { eventID: '8', eventName: 'INSERT', dynamodb: { NewImage: decision('allow', false) } },
  'an account charged below its threshold': { eventID: '3', eventName: 'MODIFY', dynamodb: { OldImage: account(12), NewImage: account(8) } },
};

const SILENT: Record<string, ChangeRecord> = {
  'an allow decision inserted': { eventID: '4', eventName: 'INSERT', dynamodb: { NewImage: decision('allow') } },
  'an allow decision to a destination usual for the account': { eventID: '9', eventName: 'INSERT', dynamodb: { NewImage: decision('allow', true) } },
  'an outbox item expiring (TTL delete)': { eventID: '5', eventName: 'REMOVE', dynamodb: { OldImage: outboxItem } },
  'a call taking a reservation (the balance itself unchanged)': { eventID: '7', eventName: 'MODIFY', dynamodb: { OldImage: account(12), NewImage: account(12, false) } },
  'a credential issued': { eventID: '6', eventName: 'INSERT', dynamodb: { NewImage: image({ pk: 'CREDENTIAL#h', sk: 'CREDENTIAL', entity: 'credential', role: 'switch' }) } },
};

describe('the stream filter in front of the stream publisher', () => {
  it.each(Object.entries(EVENTFUL))('passes %s, which the publisher turns into an event', (_name, record) => {
    expect(eventsFromChange(record).length).toBeGreaterThan(0);

    expect(passesFilter(record)).toBe(true);
  });

  it.each(Object.entries(SILENT))('drops %s, which carries no event', (_name, record) => {
    expect(eventsFromChange(record)).toEqual([]);

    expect(passesFilter(record)).toBe(false);
  });
});

describe('the range watch feed', () => {
  it('publishes an unusual attempt as Unusual Destination Dialled, and a denied one also as Call Denied', () => {
    const allowed = eventsFromChange({ eventID: '10', eventName: 'INSERT', dynamodb: { NewImage: decision('allow', false) } });
    expect(allowed.map((event) => event.detailType)).toEqual(['Unusual Destination Dialled']);
    expect(allowed[0]?.detail).toEqual({ eventId: 'unusual-dialled:c-1', occurredAt: '2026-11-25T12:00:00.000Z', accountId: 'acme', callId: 'c-1', prefix: '269', e164: '+2693210000', country: 'KM', ratePerMinute: 1.2 });

    const denied = eventsFromChange({ eventID: '11', eventName: 'INSERT', dynamodb: { NewImage: decision('deny', false) } });
    expect(denied.map((event) => event.detailType)).toEqual(['Unusual Destination Dialled', 'Call Denied']);
  });
});
