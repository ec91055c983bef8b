import { describe, expect, it } from 'vitest';
import { isPrivateWebhookHost, notificationTargets } from '../../../domain/notifications/notification.js';

const both = { webhookUrl: 'https://hooks.example.com/tollgate', email: 'noc@example.com' };

describe('notification targets', () => {
  it('sends every event to the webhook', () => {
    expect(notificationTargets('Policy Changed', both)).toEqual([{ kind: 'webhook', url: both.webhookUrl }]);
  });

  it('also emails the events a person must act on', () => {
    expect(notificationTargets('Destination Restricted', both)).toContainEqual({ kind: 'email', to: 'noc@example.com' });
    expect(notificationTargets('Account Flagged For Review', both)).toContainEqual({ kind: 'email', to: 'noc@example.com' });
  });

  it('has no target when the account configured none', () => {
    expect(notificationTargets('Top-up Failed', { webhookUrl: null, email: null })).toEqual([]);
  });
});

describe('private webhook hosts', () => {
  it('recognises loopback, private, link-local and localhost targets', () => {
    for (const url of ['http://127.0.0.1:8080/x', 'http://10.1.2.3/', 'http://169.254.169.254/latest', 'http://[::1]/', 'http://localhost/']) {
      expect(isPrivateWebhookHost(url), url).toBe(true);
    }
  });

  it('lets public addresses and names through', () => {
    expect(isPrivateWebhookHost('https://hooks.example.com/x')).toBe(false);
    expect(isPrivateWebhookHost('https://93.184.216.34/x')).toBe(false);
  });
});
