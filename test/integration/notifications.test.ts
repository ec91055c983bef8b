import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDetail } from '../../domain/events/contracts.js';
import { verifySignature } from '../../domain/notifications/webhook-signature.js';
import { toMicros } from '../../domain/shared/money.js';
import { SimulatedPaymentProvider } from '../../functions/adapters/payments/simulated-provider.js';
import { secretCipherOf } from '../../functions/adapters/secrets/secret-cipher.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let stack: TestStack;
let receiver: WebhookReceiver;
let secret: string;
let eventNumber = 0;
const outboxFile = join(mkdtempSync(join(tmpdir(), 'tollgate-email-')), 'email-outbox.jsonl');

function emails(): Array<{ to: string; subject: string; text: string; idempotencyKey: string }> {
  if (!existsSync(outboxFile)) return [];
  return readFileSync(outboxFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

function verifies(hook: { headers: Record<string, unknown>; rawBody: string }, withSecret = secret) {
  return verifySignature({ header: hook.headers['tollgate-signature'] as string, rawBody: hook.rawBody, secret: withSecret, nowSeconds: Math.floor(Date.now() / 1000) });
}

function reviewResolved(accountId = 'acme'): EventDetail<'Review Resolved'> {
  eventNumber += 1;
  return { eventId: `resolved-${eventNumber}`, occurredAt: new Date().toISOString(), accountId, reviewId: `r-${eventNumber}`, action: 'clear', note: 'fine', resolvedBy: 'reviewer:test' };
}

async function publishResolved(detail: EventDetail<'Review Resolved'>) {
  await stack.events.bus.publish([{ detailType: 'Review Resolved', detail }]);
  await stack.events.settle();
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  stack = await startTestStack({ eventBaseDelayMs: 20, eventMaxAttempts: 4, environment: { TOLLGATE_EMAIL_OUTBOX_FILE: outboxFile } });
  const admin = { token: stack.adminToken };
  await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId: 'acme', name: 'Acme', homeCountry: 'US' } });
  await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId: 'other', name: 'Other', homeCountry: 'US' } });
  // The customer takes the secret first (rotate-and-show), then points the webhook at its receiver.
  const customer = await stack.issue('customer', 'acme');
  const rotated = await stack.call('POST', '/v1/accounts/acme/webhook-secret', { token: customer });
  expect(rotated.status).toBe(200);
  secret = rotated.body.secret;
  const policy = {
    autoReplenish: { enabled: true, threshold: 5, amount: 20, maxPerDay: 3 },
    notifications: { webhookUrl: receiver.url, email: 'noc@acme.example' },
  };
  expect((await stack.call('PUT', '/v1/accounts/acme/policy', { token: customer, body: policy })).status).toBe(200);
  await stack.events.settle();
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

describe('notifications', () => {
  it('a declined top-up gives Top-up Failed, delivered to the webhook (signed) and by email', async () => {
    const payments = stack.adapters.payments as SimulatedPaymentProvider;
    payments.setMode('fail');
    await stack.call('POST', '/v1/accounts/acme/credits', { token: stack.adminToken, body: { amount: 10 } });
    await stack.adapters.accounts.credit('acme', -toMicros(8)); // a charge crossing the threshold
    await stack.events.settle();
    payments.setMode('succeed');

    const [hook] = receiver.delivered('Top-up Failed');
    expect(hook?.body.detail).toMatchObject({ accountId: 'acme', amount: 20, failure: expect.stringContaining('declined') });
    expect(hook?.headers['tollgate-event-id']).toBe(hook?.body.detail.eventId);
    expect(hook?.headers['tollgate-event-type']).toBe('Top-up Failed');
    expect(hook && verifies(hook)).toBe(true);

    const mail = emails().filter((message) => message.subject.includes('Top-up Failed'));
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ to: 'noc@acme.example', subject: '[Tollgate] Top-up Failed: acme' });
  });

  it('signs every webhook so that the body and timestamp verify, and a changed body does not', async () => {
    await publishResolved(reviewResolved());
    const hooks = receiver.delivered();
    expect(hooks.length).toBeGreaterThan(2);
    for (const hook of hooks) {
      expect(hook.headers['tollgate-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifies(hook)).toBe(true);
    }
    const last = hooks.at(-1);
    expect(last && verifies({ ...last, rawBody: last.rawBody.replace('"clear"', '"suspend"') })).toBe(false);
  });

  it('emails the fraud events: Destination Restricted and Account Flagged For Review', async () => {
    await stack.events.bus.publish([
      {
        detailType: 'Destination Restricted',
        detail: {
          eventId: 'acme-restricted-1',
          occurredAt: new Date().toISOString(),
          accountId: 'acme',
          destination: 'LT',
          callId: 'acme-call-9',
          evidence: { rule: 'burst-to-new-destination', destinations: ['LT'], attempts: 4, newDestinationAttempts: 4, windowMinutes: 10, spendLastHour: 0, thresholds: { newDestinationAttempts: 4 } },
        },
      },
    ]);
    await stack.events.settle();
    const subjects = emails().map((message) => message.subject);
    expect(subjects).toContain('[Tollgate] Destination Restricted: acme');
    expect(subjects).toContain('[Tollgate] Account Flagged For Review: acme');
    expect(receiver.delivered('Account Flagged For Review')).toHaveLength(1);
  });

  it('retries a failing webhook with backoff, delivering each target exactly once', async () => {
    receiver.failNext(2);
    const detail = reviewResolved();
    await publishResolved(detail);

    const attempts = receiver.received.filter((hook) => hook.body.detail?.eventId === detail.eventId);
    expect(attempts.map((hook) => hook.status)).toEqual([500, 500, 204]);
    expect(emails().filter((message) => message.idempotencyKey.startsWith(`${detail.eventId}#`))).toHaveLength(1);
    expect(stack.events.bus.deadLetters.filter((letter) => (letter.event.detail as { eventId: string }).eventId === detail.eventId)).toHaveLength(0);
  });

  it('does not resend a delivered event when it arrives again', async () => {
    const detail = reviewResolved();
    await publishResolved(detail);
    await publishResolved(detail);
    expect(receiver.received.filter((hook) => hook.body.detail?.eventId === detail.eventId)).toHaveLength(1);
  });

  it('dead-letters an event whose webhook keeps failing', async () => {
    receiver.failNext(Number.POSITIVE_INFINITY);
    const detail = reviewResolved();
    await publishResolved(detail);
    receiver.failNext(0);

    const letter = stack.events.bus.deadLetters.find((entry) => (entry.event.detail as { eventId: string }).eventId === detail.eventId);
    expect(letter).toMatchObject({ consumer: 'notifier', attempts: 4 });
    expect(letter?.error).toContain('HTTP 500');
  });

  it('signs with both secrets for a day after a rotation, so receivers can switch over', async () => {
    const customer = await stack.issue('customer', 'acme');
    const rotated = await stack.call('POST', '/v1/accounts/acme/webhook-secret', { token: customer });
    expect(rotated.body).toMatchObject({ secret: expect.stringMatching(/^whsec_/), previousSecretValidUntil: expect.any(String) });
    const detail = reviewResolved();
    await publishResolved(detail);

    const hook = receiver.delivered().find((entry) => entry.body.detail.eventId === detail.eventId);
    expect(hook?.headers['tollgate-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(hook && verifies(hook, rotated.body.secret)).toBe(true);
    expect(hook && verifies(hook, secret)).toBe(true);
    secret = rotated.body.secret;
  });

  it('stores the secrets encrypted and bound to their account: the item holds no secret, and a copy under another account does not decrypt', async () => {
    const key = (accountId: string) => ({ pk: { S: `ACCOUNT#${accountId}` }, sk: { S: 'WEBHOOK_SECRET' } });
    const stored = await stack.runtime.client.send(new GetItemCommand({ TableName: stack.runtime.config.tableName, Key: key('acme'), ConsistentRead: true }));
    const item = JSON.stringify(stored.Item);

    expect(stored.Item?.encryptedSecret?.S).toMatch(/^local-aes-gcm:/);
    expect(stored.Item?.encryptedPreviousSecret?.S).toMatch(/^local-aes-gcm:/);
    expect(item).not.toContain('whsec_');
    expect(item).not.toContain(secret);
    const cipher = secretCipherOf(stack.runtime.config);
    await expect(cipher.decrypt(stored.Item?.encryptedSecret?.S ?? '', { accountId: 'acme' })).resolves.toBe(secret);
    await expect(cipher.decrypt(stored.Item?.encryptedSecret?.S ?? '', { accountId: 'other' })).rejects.toThrow();
  });

  it("keeps a customer away from another account's secret, and audits rotations without the secret", async () => {
    const customer = await stack.issue('customer', 'acme');
    expect((await stack.call('POST', '/v1/accounts/other/webhook-secret', { token: customer })).status).toBe(403);
    expect((await stack.call('POST', '/v1/accounts/nobody/webhook-secret', { token: stack.adminToken })).status).toBe(404);
    const audit = await stack.call('GET', '/v1/accounts/acme/audit', { token: stack.adminToken });
    const rotations = audit.body.records.filter((record: { action: string }) => record.action === 'webhook-secret.rotated');
    expect(rotations.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(audit.body)).not.toContain('whsec_');
  });

  it('skips events without an account or without targets', async () => {
    const before = receiver.received.length;
    await publishResolved(reviewResolved('other'));
    await stack.events.bus.publish([
      { detailType: 'IP Banned', detail: { eventId: 'ban-x', occurredAt: new Date().toISOString(), accountId: null, ip: '198.51.100.1', bannedUntil: new Date().toISOString(), failures: 5, offence: 1 } },
    ]);
    await stack.events.settle();
    expect(receiver.received.length).toBe(before);
  });
});
