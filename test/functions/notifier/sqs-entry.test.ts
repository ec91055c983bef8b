import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { EventDetail } from '../../../domain/events/contracts.js';
import { makeNotifierEntry } from '../../../functions/notifier/consumer.js';
import { isSqsBatch } from '../../../functions/shared/event-consumer.js';
import { busEvent } from '../../support/bus-event.js';
import { account, policy } from '../../support/fixtures.js';
import { recordingLogger } from '../../support/recording-logger.js';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const resolved = (eventId: string): EventDetail<'Review Resolved'> => ({ eventId, occurredAt: NOW.toISOString(), accountId: 'acme', reviewId: 'r-1', action: 'clear', note: 'fine', resolvedBy: 'reviewer:r-1' });

/** The notifier's entry with a webhook that fails for the events named in `failing`. */
function entryFor(failing: ReadonlySet<string> = new Set()) {
  const { logger, lines } = recordingLogger();
  const posted: string[] = [];
  const holder = account({ policy: policy({ notifications: { webhookUrl: 'https://hooks.acme.example/t', email: null } }) });
  const entry = makeNotifierEntry({
    accounts: { get: async (accountId) => (accountId === 'acme' ? holder : undefined) },
    deliveries: { wasDelivered: async () => false, record: async () => undefined },
    signingSecrets: { signingSecrets: async () => ['whsec_x'] },
    webhooks: {
      post: async (request) => {
        const eventId = (JSON.parse(request.body) as { detail?: { eventId?: string }; eventId?: string }).detail?.eventId ?? "?";
        if (failing.has(eventId)) throw new Error('answered HTTP 503');
        posted.push(eventId);
        return { status: 200 };
      },
    },
    email: { send: async () => undefined },
    webhookSettings: { timeoutMs: 1_000, rules: { allowPrivateTargets: false, requireHttps: true } },
    clock: { now: () => NOW },
    logger,
  });
  return { entry, lines, posted };
}

function sqsRecord(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body,
    attributes: { ApproximateReceiveCount: '3', SentTimestamp: '0', SenderId: 'events', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:notifier',
    awsRegion: 'eu-west-1',
  };
}

const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const wrapped = (messageId: string, eventId: string) => sqsRecord(messageId, JSON.stringify(busEvent('Review Resolved', resolved(eventId), { id: `env-${eventId}` })));

describe("the notifier's Lambda entry", () => {
  it('delivers every EventBridge event of an SQS batch and reports no failure', async () => {
    const { entry, posted } = entryFor();

    expect(await entry(batch(wrapped('m-1', 'e-1'), wrapped('m-2', 'e-2')))).toEqual({ batchItemFailures: [] });
    expect(posted).toEqual(['e-1', 'e-2']);
  });

  it('reports only the messages that failed, after trying every other one', async () => {
    const { entry, posted, lines } = entryFor(new Set(['e-2']));

    const answer = await entry(batch(wrapped('m-1', 'e-1'), wrapped('m-2', 'e-2'), wrapped('m-3', 'e-3')));

    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
    expect(posted).toEqual(['e-1', 'e-3']);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ messageId: 'm-2', receiveCount: '3' }) }));
  });

  it('reports a message whose body is not JSON or breaks the event contract, so it ends in the dead-letter queue', async () => {
    const { entry, posted, lines } = entryFor();
    const denied = sqsRecord('m-denied', JSON.stringify(busEvent('Call Denied', { eventId: 'x' })));

    const answer = await entry(batch(sqsRecord('m-garbage', 'not json'), denied, wrapped('m-ok', 'e-ok')));

    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-garbage' }, { itemIdentifier: 'm-denied' }] });
    expect(posted).toEqual(['e-ok']);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'error', fields: expect.objectContaining({ messageId: 'm-garbage' }) }));
  });

  it('still takes a direct EventBridge event (the local bus), answering and throwing as before', async () => {
    const { entry } = entryFor(new Set(['e-bad']));

    expect(await entry(busEvent('Review Resolved', resolved('e-1')))).toEqual({ delivered: 1, skipped: 0 });
    await expect(entry(busEvent('Review Resolved', resolved('e-bad')))).rejects.toThrow(/answered HTTP 503/);
  });

  it('tells an SQS batch from an EventBridge event', () => {
    expect(isSqsBatch(batch(wrapped('m-1', 'e-1')))).toBe(true);
    expect(isSqsBatch(busEvent('Review Resolved', resolved('e-1')))).toBe(false);
    expect(isSqsBatch({ Records: [] })).toBe(false);
    expect(isSqsBatch({ Records: [{ eventSource: 'aws:dynamodb' }] })).toBe(false);
  });
});
