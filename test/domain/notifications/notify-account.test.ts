import { describe, expect, it } from 'vitest';
import type { Account } from '../../../domain/accounts/account.js';
import type { DetailType, EventDetail, TollgateEvent } from '../../../domain/events/contracts.js';
import type { EmailMessage } from '../../../domain/notifications/notification.js';
import { makeNotifyAccount, NotificationFailedError } from '../../../domain/notifications/notify-account.js';
import { WebhookTargetRefusedError, type DeliveryLog, type DeliveryOutcome, type WebhookPoster, type WebhookRequest } from '../../../domain/notifications/ports.js';
import { verifySignature } from '../../../domain/notifications/webhook-signature.js';
import { account, policy } from '../../support/fixtures.js';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const HOOK = 'https://hooks.acme.example/tollgate';
const SECRET = 'whsec_current';
const RULES = { allowPrivateTargets: false, requireHttps: true };

const topUpFailed: TollgateEvent<'Top-up Failed'> = {
  detailType: 'Top-up Failed',
  detail: { eventId: 'top-up-failed:acme:1', occurredAt: NOW.toISOString(), accountId: 'acme', amount: 20, crossingId: 'acme:1', failure: 'card_declined' },
};
const policyChanged: TollgateEvent<'Policy Changed'> = {
  detailType: 'Policy Changed',
  detail: { eventId: 'policy-changed:acme:3', occurredAt: NOW.toISOString(), accountId: 'acme', changedBy: 'customer:c-1', changedFields: ['maxRatePerMinute'], version: 3 },
};

class InMemoryDeliveryLog implements DeliveryLog {
  readonly records = new Map<string, { outcome: DeliveryOutcome; at: string; detail: Readonly<Record<string, unknown>> }>();
  async wasDelivered(eventId: string, targetKey: string) {
    return this.records.has(`${eventId}|${targetKey}`);
  }
  async record(eventId: string, targetKey: string, outcome: DeliveryOutcome, at: string, detail: Readonly<Record<string, unknown>>) {
    this.records.set(`${eventId}|${targetKey}`, { outcome, at, detail });
  }
}

/** Answers each post with the next scripted answer (a 204 when the script is used up). */
class ScriptedWebhooks implements WebhookPoster {
  readonly posted: WebhookRequest[] = [];
  constructor(private readonly script: Array<number | Error> = []) {}
  async post(request: WebhookRequest) {
    this.posted.push(request);
    const answer = this.script.shift() ?? 204;
    if (answer instanceof Error) throw answer;
    return { status: answer };
  }
}

function setUp(options: { holder?: Account | undefined; webhooks?: ScriptedWebhooks; failEmail?: boolean } = {}) {
  const holder = 'holder' in options ? options.holder : account({ policy: policy({ notifications: { webhookUrl: HOOK, email: 'NOC@acme.example' } }) });
  const deliveries = new InMemoryDeliveryLog();
  const webhooks = options.webhooks ?? new ScriptedWebhooks();
  const emails: EmailMessage[] = [];
  const notify = makeNotifyAccount({
    accounts: { get: async (accountId) => (holder?.accountId === accountId ? holder : undefined) },
    deliveries,
    signingSecrets: { signingSecrets: async () => [SECRET] },
    webhooks,
    email: {
      send: async (message) => {
        if (options.failEmail) throw new Error('SES throttled');
        emails.push(message);
      },
    },
    webhookSettings: { timeoutMs: 2_500, rules: RULES },
    clock: { now: () => NOW },
  });
  return { notify, deliveries, webhooks, emails };
}

describe('notifyAccount', () => {
  it('posts the event to the webhook, signed with the account secret and the event headers', async () => {
    const { notify, webhooks } = setUp();

    await notify(policyChanged);

    expect(webhooks.posted).toHaveLength(1);
    const [request] = webhooks.posted;
    expect(request).toMatchObject({ url: HOOK, timeoutMs: 2_500, rules: RULES, headers: { 'Tollgate-Event-Id': policyChanged.detail.eventId, 'Tollgate-Event-Type': 'Policy Changed' } });
    expect(JSON.parse(request?.body ?? '')).toEqual({ detailType: 'Policy Changed', detail: policyChanged.detail });
    const signed = { header: request?.headers['Tollgate-Signature'], rawBody: request?.body ?? '', nowSeconds: NOW_SECONDS };
    expect(verifySignature({ ...signed, secret: SECRET })).toBe(true);
    expect(verifySignature({ ...signed, secret: 'whsec_other' })).toBe(false);
  });

  it('sends an event a person must act on to both the webhook and the email, recording each delivery', async () => {
    const { notify, deliveries, webhooks, emails } = setUp();

    const result = await notify(topUpFailed);

    expect(result).toEqual({ delivered: 2, skipped: 0, refused: [] });
    expect(webhooks.posted.map((request) => request.headers['Tollgate-Event-Type'])).toEqual(['Top-up Failed']);
    expect(emails).toEqual([expect.objectContaining({ to: 'NOC@acme.example', subject: '[Tollgate] Top-up Failed: acme', idempotencyKey: `${topUpFailed.detail.eventId}#noc@acme.example` })]);
    expect(Object.fromEntries(deliveries.records)).toEqual({
      [`${topUpFailed.detail.eventId}|webhook#${HOOK}`]: { outcome: 'delivered', at: NOW.toISOString(), detail: { status: 204 } },
      [`${topUpFailed.detail.eventId}|email#noc@acme.example`]: { outcome: 'delivered', at: NOW.toISOString(), detail: {} },
    });
  });

  it('does not email an event that only goes to the webhook', async () => {
    const { notify, emails, webhooks } = setUp();

    expect(await notify(policyChanged)).toEqual({ delivered: 1, skipped: 0, refused: [] });
    expect(emails).toEqual([]);
    expect(webhooks.posted).toHaveLength(1);
  });

  it('delivers nothing again when the same event arrives a second time', async () => {
    const { notify, webhooks, emails } = setUp();
    await notify(topUpFailed);

    const again = await notify(topUpFailed);

    expect(again).toEqual({ delivered: 0, skipped: 2, refused: [] });
    expect(webhooks.posted).toHaveLength(1);
    expect(emails).toHaveLength(1);
  });

  it('records a refused webhook target as rejected instead of failing, and does not try it again', async () => {
    const refusal = new WebhookTargetRefusedError('webhook host hooks.acme.example resolves to a non-public address: 10.0.0.5 (private)');
    const { notify, deliveries, webhooks } = setUp({ webhooks: new ScriptedWebhooks([refusal]) });

    const result = await notify(policyChanged);

    expect(result).toEqual({ delivered: 0, skipped: 1, refused: [refusal.message] });
    expect(deliveries.records.get(`${policyChanged.detail.eventId}|webhook#${HOOK}`)).toEqual({ outcome: 'rejected', at: NOW.toISOString(), detail: { why: refusal.message } });
    await notify(policyChanged);
    expect(webhooks.posted).toHaveLength(1);
  });

  it('throws when a webhook fails, after delivering the email; the retry sends the webhook only', async () => {
    const { notify, webhooks, emails } = setUp({ webhooks: new ScriptedWebhooks([new Error('answered HTTP 503')]) });

    const failure = await notify(topUpFailed).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(NotificationFailedError);
    expect(failure).toMatchObject({ retryable: true, failures: ['webhook: answered HTTP 503'], message: `notification of ${topUpFailed.detail.eventId} failed: webhook: answered HTTP 503` });
    expect(emails).toHaveLength(1);

    expect(await notify(topUpFailed)).toEqual({ delivered: 1, skipped: 1, refused: [] });
    expect(webhooks.posted).toHaveLength(2);
    expect(emails).toHaveLength(1);
  });

  it('throws when the email cannot be sent, after delivering the webhook', async () => {
    const { notify, deliveries } = setUp({ failEmail: true });

    await expect(notify(topUpFailed)).rejects.toThrow('email: SES throttled');
    expect([...deliveries.records.keys()]).toEqual([`${topUpFailed.detail.eventId}|webhook#${HOOK}`]);
  });

  it('skips an event without an account, and one whose account does not exist', async () => {
    const banned: TollgateEvent<DetailType> = {
      detailType: 'IP Banned',
      detail: { eventId: 'ip-banned:1', occurredAt: NOW.toISOString(), accountId: null, ip: '198.51.100.1', bannedUntil: NOW.toISOString(), failures: 5, offence: 1 } satisfies EventDetail<'IP Banned'>,
    };
    const { notify, webhooks } = setUp();
    const orphan = setUp({ holder: undefined });

    expect(await notify(banned)).toEqual({ delivered: 0, skipped: 0, reason: 'no-account', refused: [] });
    expect(await orphan.notify(topUpFailed)).toEqual({ delivered: 0, skipped: 0, reason: 'account-not-found', refused: [] });
    expect([...webhooks.posted, ...orphan.webhooks.posted]).toEqual([]);
  });
});
