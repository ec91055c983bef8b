/**
 * Issue 11, item 10: every adapter in scope parses what it reads and refuses what it cannot read, with an error that
 * names the record and the field, logged, instead of reading a default (an unknown review status as "open", a
 * damaged high-risk list as "no high-risk prefixes", a damaged ban as "not banned"). Each case damages one item in
 * DynamoDB Local directly, then reads it through the API or the event consumers.
 */
import { PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { EventDetail, TollgateEvent } from '../../domain/events/contracts.js';
import { hashToken } from '../../functions/adapters/dynamodb/credential-repository.js';
import { keys } from '../../functions/adapters/dynamodb/keys.js';
import { getLogger } from '../../functions/shared/logger.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let stack: TestStack;
let receiver: WebhookReceiver;
let loggedErrors: MockInstance;
const NOW = new Date().toISOString();
const LATER = new Date(Date.now() + 3_600_000).toISOString();

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  stack = await startTestStack({ eventBaseDelayMs: 10, eventMaxAttempts: 2, environment: { TOLLGATE_EMAIL_TRANSPORT: 'none' } });
  expect((await stack.call('POST', '/v1/accounts', { token: stack.adminToken, body: { accountId: 'acme', name: 'Acme', homeCountry: 'US' } })).status).toBe(201);
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

beforeEach(() => {
  // The HTTP edge logs what it does not hand to the caller through the process logger.
  loggedErrors = vi.spyOn(getLogger(), 'error').mockImplementation(() => undefined);
  return () => loggedErrors.mockRestore();
});

async function put(item: Record<string, unknown>): Promise<void> {
  await stack.runtime.client.send(new PutItemCommand({ TableName: stack.tableName, Item: marshall(item, { removeUndefinedValues: true }) }));
}

/** The answer is a 500 in the contract's shape, and the log names the record and the field that could not be read. */
function expectRefused(response: { status: number; body: any }, logged: RegExp): void {
  expect(response.status).toBe(500);
  expect(response.body.error.code).toBe('INTERNAL');
  const messages = loggedErrors.mock.calls.map((call) => JSON.stringify(call[1]));
  expect(messages.some((message) => logged.test(message))).toBe(true);
}

function deadLetterOf(eventId: string) {
  return stack.events.bus.deadLetters.find((letter) => (letter.event.detail as { eventId: string }).eventId === eventId);
}

describe('records parsed on read, refused when unreadable', () => {
  it('a ban whose end is not a time is refused, not read as "not banned"', async () => {
    const ip = '198.51.100.77';
    await put({ ...keys.ban(ip), entity: 'ban', ip, bannedAt: NOW, bannedUntil: 'soon', offence: 1, failures: 5, failuresCountFrom: NOW, sipUsernames: [], gsi1pk: keys.activeBans(), gsi1sk: '9999' });

    expectRefused(await stack.call('GET', '/v1/bans', { token: stack.adminToken }), /stored ban of 198\.51\.100\.77 cannot be read: bannedUntil/);
    expectRefused(await stack.call('POST', '/v1/auth-failures', { token: stack.adminToken, body: { sourceIp: ip } }), /stored ban of 198\.51\.100\.77/);
  });

  it('a review with a status this code does not know is refused, not listed or resolved as open', async () => {
    const review = { reviewId: 'r-unknown-status', accountId: 'acme', status: 'escalated', openedAt: NOW, updatedAt: NOW, destinations: ['SL'], evidence: [], evidenceDropped: 0, version: 1 };
    await put({ ...keys.review(review.reviewId), entity: 'review', ...review, gsi1pk: keys.reviewsByStatus('open'), gsi1sk: `${NOW}#${review.reviewId}` });

    expectRefused(await stack.call('GET', '/v1/reviews?status=open', { token: stack.adminToken }), /stored review r-unknown-status cannot be read: status/);
    expectRefused(await stack.call('POST', `/v1/reviews/${review.reviewId}/resolve`, { token: stack.adminToken, body: { action: 'clear', note: 'x' } }), /review r-unknown-status/);
  });

  it("a review written before carrier reviews (no scope) reads as an account's; a carrier review without its range is refused", async () => {
    const resolution = { action: 'clear', note: 'old', resolvedBy: 'reviewer:x', resolvedAt: NOW };
    const legacy = { reviewId: 'r-legacy', accountId: 'acme', status: 'resolved', openedAt: NOW, updatedAt: NOW, destinations: ['SL'], evidence: [], evidenceDropped: 0, resolution, version: 2 };
    await put({ ...keys.review(legacy.reviewId), entity: 'review', ...legacy, gsi1pk: keys.reviewsByStatus('resolved'), gsi1sk: `${NOW}#${legacy.reviewId}` });
    const listed = await stack.call('GET', '/v1/reviews?status=resolved', { token: stack.adminToken });
    expect(listed.status).toBe(200);
    expect(listed.body.reviews).toMatchObject([{ reviewId: 'r-legacy', scope: 'account', accountId: 'acme' }]);

    const evidence = { restrictedAt: NOW, distinctAccounts: 5, threshold: 5, windowMinutes: 60, accounts: [], numbers: [] };
    await put({ ...keys.review('r-no-range'), entity: 'review', reviewId: 'r-no-range', scope: 'carrier', status: 'open', openedAt: NOW, updatedAt: NOW, evidence, version: 1 });
    expectRefused(await stack.call('POST', '/v1/reviews/r-no-range/resolve', { token: stack.adminToken, body: { action: 'keep', note: 'x' } }), /stored review r-no-range cannot be read: range/);
  });

  it('a decision with an unknown reason is refused in the access log', async () => {
    const record = {
      decisionId: 'd1',
      callId: 'damaged-call',
      decidedAt: NOW,
      request: { to: '+12125550123', from: '', sourceIp: '203.0.113.1', authMethod: 'ip' },
      decision: 'allow',
      reason: 'PROBABLY_FINE',
      sipCode: 200,
      sipReason: 'OK',
      accountId: 'acme',
      destination: null,
      maxDurationSeconds: 60,
      rule: { rule: 'ALLOWED', step: 1, detail: '', evidence: {} },
    };
    await put({ ...keys.decision('damaged-call'), entity: 'decision', record, gsi1pk: keys.decisionsByAccount('acme'), gsi1sk: `${NOW}#damaged-call` });

    expectRefused(await stack.call('GET', '/v1/accounts/acme/decisions', { token: stack.adminToken }), /stored decision CALL#damaged-call cannot be read: reason/);
  });

  it('an audit record without its actor is refused', async () => {
    await put({ ...keys.audit('acme', NOW, 'a1'), entity: 'audit', scope: 'acme', id: 'a1', at: NOW, action: 'policy.changed', before: null, after: null });

    expectRefused(await stack.call('GET', '/v1/accounts/acme/audit', { token: stack.adminToken }), /stored audit record .* of acme cannot be read: actor/);
  });

  it('a webhook secret that is not a ciphertext is refused, and the log does not show it', async () => {
    await put({ ...keys.webhookSecret('acme'), entity: 'webhook-secret', accountId: 'acme', encryptedSecret: 'hunter2', createdAt: NOW });

    expectRefused(await stack.call('POST', '/v1/accounts/acme/webhook-secret', { token: stack.adminToken }), /stored webhook secret of acme cannot be read: encryptedSecret/);
    expect(JSON.stringify(loggedErrors.mock.calls)).not.toContain('hunter2');
  });

  it('a damaged high-risk list is refused, not read as an empty list', async () => {
    await put({ ...keys.highRiskList(), entity: 'high-risk-list', prefixes: '881,882', updatedAt: NOW, version: 3, updatedBy: 'x' });

    expectRefused(await stack.call('GET', '/v1/high-risk-prefixes', { token: stack.adminToken }), /stored high-risk list cannot be read: prefixes/);
  });

  it('a rate deck pointer with a count that is not a number is refused', async () => {
    await put({ ...keys.rateDeckPointer(), entity: 'rate-deck-pointer', version: 'v9', entries: 'lots', importedAt: NOW, importedBy: 'x', chunks: 1 });

    expectRefused(await stack.call('GET', '/v1/rate-deck', { token: stack.adminToken }), /stored rate deck pointer cannot be read: entries/);
  });

  it('a credential with a role this code does not know is refused in the listing', async () => {
    const damaged = { credentialId: 'damaged-role', role: 'superuser', createdAt: NOW, tokenHash: hashToken('tg_damaged'), gsi1pk: keys.credentialsListing(), gsi1sk: `${LATER}#damaged-role` };
    await put({ ...keys.credentialById('damaged-role'), entity: 'credential-id', ...damaged });

    expectRefused(await stack.call('GET', '/v1/credentials', { token: stack.adminToken }), /stored credential damaged-role cannot be read: role/);
  });

  it('a top-up claim with an unknown status is refused, not taken for a finished top-up', async () => {
    await put({ ...keys.topUpClaim('acme', 'crossing-x'), entity: 'topup', accountId: 'acme', crossingId: 'crossing-x', status: 'refunded', amountMicros: 1, day: NOW.slice(0, 10), createdAt: NOW, updatedAt: NOW });
    const detail: EventDetail<'Balance Low'> = { eventId: 'low-x', occurredAt: NOW, accountId: 'acme', balance: 1, threshold: 5, crossingId: 'crossing-x' };

    await stack.events.bus.publish([{ detailType: 'Balance Low', detail } as TollgateEvent]);
    await stack.events.settle();

    expect(deadLetterOf('low-x')).toMatchObject({ consumer: 'auto-replenish', error: expect.stringMatching(/stored top-up claim crossing-x of acme cannot be read: status/) });
  });

  it('a delivery record that cannot be read does not silently skip the notification', async () => {
    // Its own account: acme's webhook secret is damaged on purpose above.
    expect((await stack.call('POST', '/v1/accounts', { token: stack.adminToken, body: { accountId: 'beta', name: 'Beta', homeCountry: 'US' } })).status).toBe(201);
    expect((await stack.call('PUT', '/v1/accounts/beta/policy', { token: stack.adminToken, body: { notifications: { webhookUrl: receiver.url } } })).status).toBe(200);
    await stack.events.settle();
    const detail: EventDetail<'Review Resolved'> = { eventId: 'resolved-x', occurredAt: NOW, accountId: 'beta', reviewId: 'r', action: 'clear', note: 'n', resolvedBy: 'reviewer:t' };
    await stack.events.bus.publish([{ detailType: 'Review Resolved', detail } as TollgateEvent]);
    await stack.events.settle();
    const records = await stack.runtime.client.send(new QueryCommand({ TableName: stack.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: marshall({ ':pk': keys.notificationDelivery('resolved-x', '').pk }) }));
    const record = unmarshall(records.Items?.[0] ?? {});
    expect(record.outcome).toBe('delivered');
    await stack.runtime.client.send(
      new UpdateItemCommand({ TableName: stack.tableName, Key: marshall({ pk: record.pk, sk: record.sk }), UpdateExpression: 'SET outcome = :maybe', ExpressionAttributeValues: marshall({ ':maybe': 'maybe' }) }),
    );

    await stack.events.bus.publish([{ detailType: 'Review Resolved', detail } as TollgateEvent]);
    await stack.events.settle();

    expect(deadLetterOf('resolved-x')).toMatchObject({ consumer: 'notifier', error: expect.stringMatching(/stored notification delivery of resolved-x \(webhook\) cannot be read: outcome/) });
  });
});
