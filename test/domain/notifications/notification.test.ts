import { describe, expect, it } from 'vitest';
import { notificationTargets } from '../../../domain/notifications/notification.js';

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
