import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../domain/audit/audit-entry.js';
import type { RotatedSecret } from '../../../domain/notifications/ports.js';
import { makeRotateWebhookSecret } from '../../../domain/notifications/rotate-webhook-secret.js';
import { account } from '../../support/fixtures.js';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const ROTATED: RotatedSecret = { secret: 'whsec_new', createdAt: NOW.toISOString(), previousValidUntil: '2026-11-26T12:00:00.000Z' };

function setUp(answer: { readonly rotated: RotatedSecret | undefined } = { rotated: ROTATED }) {
  const rotations: Array<{ accountId: string; now: Date; audit: AuditEntry }> = [];
  const rotate = makeRotateWebhookSecret({
    accounts: { get: async (accountId) => (accountId === 'acme' ? account() : undefined) },
    webhookSecrets: {
      rotate: async (accountId, now, audit) => {
        rotations.push({ accountId, now, audit });
        return answer.rotated;
      },
    },
    clock: { now: () => NOW },
    ids: { newId: () => 'audit-1' },
  });
  return { rotate, rotations };
}

describe('rotateWebhookSecret', () => {
  it('rotates the secret with an audit record that names the actor and the time, not the secret', async () => {
    const { rotate, rotations } = setUp();

    const outcome = await rotate({ accountId: 'acme', actor: 'customer:c-1' });

    expect(outcome).toEqual({ kind: 'rotated', rotated: ROTATED });
    expect(rotations).toEqual([
      {
        accountId: 'acme',
        now: NOW,
        audit: { scope: 'acme', id: 'audit-1', at: NOW.toISOString(), actor: 'customer:c-1', action: 'webhook-secret.rotated', before: null, after: { createdAt: NOW.toISOString() } },
      },
    ]);
    expect(JSON.stringify(rotations[0]?.audit)).not.toContain('whsec_');
  });

  it('answers not-found for an account that does not exist, rotating nothing', async () => {
    const { rotate, rotations } = setUp();

    expect(await rotate({ accountId: 'nobody', actor: 'admin:a-1' })).toEqual({ kind: 'not-found' });
    expect(rotations).toEqual([]);
  });

  it('answers conflict when concurrent rotations kept the store from writing', async () => {
    const { rotate } = setUp({ rotated: undefined });

    expect(await rotate({ accountId: 'acme', actor: 'admin:a-1' })).toEqual({ kind: 'conflict' });
  });
});
