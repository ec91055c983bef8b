import { describe, expect, it } from 'vitest';
import type { EventDetail } from '../../../domain/events/contracts.js';
import { EventContractError, eventConsumer, routedTo } from '../../../functions/shared/event-consumer.js';
import { busEvent } from '../../support/bus-event.js';
import { recordingLogger } from '../../support/recording-logger.js';

const balanceLow: EventDetail<'Balance Low'> = { eventId: 'balance-low:acme:1', occurredAt: '2026-11-25T12:00:00.000Z', accountId: 'acme', balance: 2, threshold: 5, crossingId: 'acme:1' };

function balanceLowConsumer() {
  const { logger, lines } = recordingLogger();
  const handled: unknown[] = [];
  const consumer = eventConsumer({ consumes: ['Balance Low'], logger }, async (event) => {
    handled.push(event);
    return { crossingId: event.detail.crossingId };
  });
  return { consumer, handled, lines };
}

describe('eventConsumer', () => {
  it('hands the handler the validated event and returns what it returns', async () => {
    const { consumer, handled } = balanceLowConsumer();

    const result = await consumer(busEvent('Balance Low', balanceLow));

    expect(result).toEqual({ crossingId: 'acme:1' });
    expect(handled).toEqual([{ detailType: 'Balance Low', detail: balanceLow }]);
  });

  it('throws on a detail missing a field, naming the field, without calling the handler', async () => {
    const { consumer, handled } = balanceLowConsumer();
    const { crossingId: _dropped, ...withoutCrossing } = balanceLow;

    const failure = consumer(busEvent('Balance Low', withoutCrossing));

    await expect(failure).rejects.toBeInstanceOf(EventContractError);
    await expect(failure).rejects.toMatchObject({ fields: ['detail.crossingId'], message: expect.stringContaining('detail.crossingId') });
    expect(handled).toEqual([]);
  });

  it('throws on a detail with a field of the wrong type or a field the contract does not know', async () => {
    const { consumer } = balanceLowConsumer();

    await expect(consumer(busEvent('Balance Low', { ...balanceLow, balance: '2' }))).rejects.toMatchObject({ fields: ['detail.balance'] });
    await expect(consumer(busEvent('Balance Low', { ...balanceLow, card: '4242' }))).rejects.toMatchObject({ fields: ['detail.card'] });
  });

  it('logs a broken contract as an error with the event ids', async () => {
    const { consumer, lines } = balanceLowConsumer();

    await expect(consumer(busEvent('Balance Low', { ...balanceLow, crossingId: 7 }))).rejects.toThrow(/crossingId/);

    expect(lines).toEqual([expect.objectContaining({ level: 'error', fields: expect.objectContaining({ envelopeId: 'env-1', eventId: balanceLow.eventId, detailType: 'Balance Low' }) })]);
  });

  it('throws on a detail-type the consumer is not routed, even with a valid detail', async () => {
    const { consumer, handled } = balanceLowConsumer();
    const denied: EventDetail<'Call Denied'> = { eventId: 'call-denied:c-1', occurredAt: balanceLow.occurredAt, accountId: 'acme', callId: 'c-1', reason: 'RATE_ABOVE_MAX', sipCode: 403, destination: null, country: null };

    await expect(consumer(busEvent('Call Denied', denied))).rejects.toMatchObject({ fields: ['detail-type'], message: expect.stringContaining('"Call Denied"') });
    await expect(consumer(busEvent('Balance Gone', balanceLow))).rejects.toThrow(/"Balance Gone"/);
    expect(handled).toEqual([]);
  });

  it('throws on an envelope from another source or without an id', async () => {
    const { consumer } = balanceLowConsumer();

    await expect(consumer(busEvent('Balance Low', balanceLow, { source: 'aws.s3' }))).rejects.toMatchObject({ fields: ['source'] });
    await expect(consumer({ ...busEvent('Balance Low', balanceLow), id: undefined })).rejects.toMatchObject({ fields: ['id'] });
  });

  it("throws the handler's own error unchanged, after logging it with the event ids", async () => {
    const { logger, lines } = recordingLogger();
    const broken = new Error('the store said no');
    const consumer = eventConsumer({ consumes: ['Balance Low'], logger }, async () => {
      throw broken;
    });

    await expect(consumer(busEvent('Balance Low', balanceLow))).rejects.toBe(broken);
    expect(lines).toEqual([expect.objectContaining({ level: 'error', fields: expect.objectContaining({ envelopeId: 'env-1', eventId: balanceLow.eventId, error: expect.objectContaining({ message: 'the store said no' }) }) })]);
  });

  it('logs a failure that says a retry may fix it as a warning', async () => {
    const { logger, lines } = recordingLogger();
    const consumer = eventConsumer({ consumes: ['Balance Low'], logger }, async () => {
      throw Object.assign(new Error('webhook answered HTTP 503'), { retryable: true });
    });

    await expect(consumer(busEvent('Balance Low', balanceLow))).rejects.toThrow('HTTP 503');
    expect(lines.map((line) => line.level)).toEqual(['warn']);
  });
});

describe('routedTo', () => {
  it("lists the detail types of the consumer's route", () => {
    expect(routedTo('auto-replenish')).toEqual(['Balance Low']);
    expect(routedTo('notifier')).toContain('Top-up Failed');
    expect(routedTo('notifier')).not.toContain('Call Denied');
  });
});
