import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { eventsFromChange } from '../../../functions/adapters/dynamodb/stream-events.js';
import { publishChanges } from '../../../functions/stream-publisher/publisher.js';
import { silentLogger } from '../../support/test-stack.js';

const restricted = {
  eventId: 'e-1',
  occurredAt: '2026-11-25T12:00:00.000Z',
  accountId: 'acme',
  destination: 'SL',
  callId: 'c-1',
  evidence: { rule: 'destination-burst', destinations: ['SL'], attempts: 4, newDestinationAttempts: 4, windowMinutes: 10, spendLastHour: 0, thresholds: {} },
};

describe('eventsFromChange', () => {
  it("reads DynamoDB Local's empty-map rendering `{}` as an empty map", () => {
    const image = marshall({ pk: 'OUTBOX#e-1', sk: 'EVENT', entity: 'outbox', detailType: 'Destination Restricted', detail: restricted });
    const detail = image.detail as { M: Record<string, { M: Record<string, unknown> }> };
    (detail.M.evidence as { M: Record<string, unknown> }).M.thresholds = {}; // as DynamoDB Local's stream sends it
    const events = eventsFromChange({ eventID: '1', eventName: 'INSERT', dynamodb: { NewImage: image } });
    expect(events).toEqual([{ detailType: 'Destination Restricted', detail: restricted }]);
  });

  it('skips an unreadable record instead of blocking the records behind it', async () => {
    const published: unknown[] = [];
    const good = marshall({ pk: 'OUTBOX#e-1', sk: 'EVENT', entity: 'outbox', detailType: 'Destination Restricted', detail: restricted });
    const broken = { pk: { S: 'OUTBOX#e-2' }, entity: { S: 'outbox' }, detailType: { S: 'Destination Restricted' }, detail: { BOGUS: 'x' } };
    const result = await publishChanges(
      [
        { eventID: '1', eventName: 'INSERT', dynamodb: { NewImage: broken } },
        { eventID: '2', eventName: 'INSERT', dynamodb: { NewImage: good } },
      ],
      { eventsOf: eventsFromChange, publisher: { publish: async (events) => void published.push(...events) }, logger: silentLogger },
    );
    expect(result).toEqual({});
    expect(published).toHaveLength(1);
  });
});
