/**
 * Issue 11, item 7: webhook URLs cannot make Tollgate call into the carrier's network. Checked when set (IP literals,
 * localhost names, https on staging/prod) and again at delivery on every address the name resolves to, connecting
 * only to the checked address. TOLLGATE_WEBHOOK_ALLOW_PRIVATE=false here: the local stage's default (true) would
 * let the test receivers on 127.0.0.1 through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDetail } from '../../domain/events/contracts.js';
import type { HostResolver } from '../../functions/adapters/notifications/webhook-sender.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/** A public-looking name that points into the carrier's network, as an attacker's DNS would answer. */
const INTERNAL_NAME = 'hooks.acme.example';
const tableResolver: HostResolver = async (hostname) => {
  if (hostname === INTERNAL_NAME) return [{ address: '127.0.0.1', family: 4 }];
  throw new Error(`ENOTFOUND ${hostname}`);
};

let strict: TestStack;
let local: TestStack;
let staging: TestStack;
let receiver: WebhookReceiver;
let eventNumber = 0;

async function createAccount(stack: TestStack, accountId: string): Promise<void> {
  expect((await stack.call('POST', '/v1/accounts', { token: stack.adminToken, body: { accountId, name: accountId, homeCountry: 'US' } })).status).toBe(201);
}

function setWebhook(stack: TestStack, accountId: string, webhookUrl: string) {
  return stack.call('PUT', `/v1/accounts/${accountId}/policy`, { token: stack.adminToken, body: { notifications: { webhookUrl } } });
}

async function publishReviewResolved(stack: TestStack, accountId: string): Promise<string> {
  eventNumber += 1;
  const detail: EventDetail<'Review Resolved'> = {
    eventId: `ssrf-${eventNumber}`,
    occurredAt: new Date().toISOString(),
    accountId,
    reviewId: `r-${eventNumber}`,
    action: 'clear',
    note: 'fine',
    resolvedBy: 'reviewer:test',
  };
  await stack.events.bus.publish([{ detailType: 'Review Resolved', detail }]);
  await stack.events.settle();
  return detail.eventId;
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  const quiet = { TOLLGATE_EMAIL_TRANSPORT: 'none' };
  strict = await startTestStack({ hostResolver: tableResolver, eventBaseDelayMs: 20, environment: { ...quiet, TOLLGATE_WEBHOOK_ALLOW_PRIVATE: 'false' } });
  local = await startTestStack({ hostResolver: tableResolver, eventBaseDelayMs: 20, environment: { ...quiet, TOLLGATE_WEBHOOK_ALLOW_PRIVATE: 'true' } });
  staging = await startTestStack({ environment: { ...quiet, TOLLGATE_STAGE: 'staging' } });
  for (const stack of [strict, local, staging]) await createAccount(stack, 'acme');
});

afterAll(async () => {
  await Promise.all([strict?.stop(), local?.stop(), staging?.stop()]);
  await receiver?.close();
});

describe('a webhook URL is checked when it is set', () => {
  it.each([
    'http://127.0.0.1:8080/hook',
    'http://2130706433/hook',
    'http://10.0.0.5/hook',
    'http://172.20.1.1/hook',
    'http://192.168.0.10/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.1.1/hook',
    'http://0.0.0.0:9000/hook',
    'http://[::1]/hook',
    'http://[::]/hook',
    'http://[fe80::1]/hook',
    'http://[fd00::10]/hook',
    'http://[::ffff:10.0.0.5]/hook',
    'http://localhost:3000/hook',
    'http://admin.localhost/hook',
  ])('%s → 400 naming notifications.webhookUrl', async (url) => {
    const response = await setWebhook(strict, 'acme', url);

    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ field: 'notifications.webhookUrl', message: expect.stringMatching(/must not point at/) }]);
  });

  it('accepts a public name', async () => {
    expect((await setWebhook(strict, 'acme', 'https://hooks.example.com/tollgate')).status).toBe(200);
  });

  it('accepts private targets where the stage allows them (the local stage)', async () => {
    expect((await setWebhook(local, 'acme', 'http://127.0.0.1:8080/hook')).status).toBe(200);
  });

  it('requires https on staging and prod', async () => {
    const plain = await setWebhook(staging, 'acme', 'http://hooks.example.com/tollgate');
    const secure = await setWebhook(staging, 'acme', 'https://hooks.example.com/tollgate');

    expect(plain.status).toBe(400);
    expect(plain.body.error.details).toEqual([{ field: 'notifications.webhookUrl', message: 'must use https on this stage' }]);
    expect(secure.status).toBe(200);
  });
});

describe('a webhook is checked again at delivery, on the address its name resolves to', () => {
  it('does not deliver to a name that resolves to a private address, and does not retry it', async () => {
    const url = receiver.url.replace('127.0.0.1', INTERNAL_NAME);
    expect((await setWebhook(strict, 'acme', url)).status).toBe(200);
    const before = receiver.received.length;

    const eventId = await publishReviewResolved(strict, 'acme');

    expect(receiver.received.length).toBe(before);
    expect(strict.events.bus.deadLetters.filter((letter) => (letter.event.detail as { eventId: string }).eventId === eventId)).toEqual([]);
    expect(await strict.adapters.notificationDeliveries.wasDelivered(eventId, `webhook#${url}`)).toBe(true); // recorded as rejected: never tried again
  });

  it('delivers to the checked address itself when the stage allows private targets (no second lookup to rebind)', async () => {
    const url = receiver.url.replace('127.0.0.1', INTERNAL_NAME);
    expect((await setWebhook(local, 'acme', url)).status).toBe(200);

    const eventId = await publishReviewResolved(local, 'acme');

    const hook = receiver.delivered('Review Resolved').find((entry) => entry.body.detail.eventId === eventId);
    expect(hook?.headers.host).toBe(new URL(url).host);
    expect(hook?.headers['tollgate-signature']).toEqual(expect.stringMatching(/^t=\d+,v1=[0-9a-f]{64}/));
  });
});
