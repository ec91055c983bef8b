import { describe, expect, it } from 'vitest';
import { accountStatusAfter, MAX_EVIDENCE_ENTRIES, openReview, resolveReviewSchema, withEvidence, type ReviewEvidence } from '../../../domain/reviews/review.js';

function entry(destination: string, eventId = `e-${destination}`): ReviewEvidence {
  return {
    kind: 'destination-restricted',
    eventId,
    at: '2026-03-01T12:00:00.000Z',
    destination,
    callId: `call-${eventId}`,
    evidence: { rule: 'burst-to-new-destination', destinations: [destination], attempts: 5, newDestinationAttempts: 5, windowMinutes: 10, spendLastHour: 0, thresholds: { newDestinationAttempts: 5 } },
  };
}

describe('review evidence', () => {
  it('adds a new destination once and keeps every event as evidence', () => {
    const review = withEvidence(withEvidence(openReview('r-1', 'acme', entry('LT'), 't0'), entry('XS'), 't1'), entry('LT', 'e-LT-2'), 't2');
    expect(review.destinations).toEqual(['LT', 'XS']);
    expect(review.evidence.map((item) => item.eventId)).toEqual(['e-LT', 'e-XS', 'e-LT-2']);
    expect(review).toMatchObject({ version: 3, updatedAt: 't2', openedAt: 't0' });
  });

  it('stops growing inline evidence at the cap and counts what it dropped', () => {
    let review = openReview('r-1', 'acme', entry('D0'), 't0');
    for (let index = 1; index <= MAX_EVIDENCE_ENTRIES + 2; index += 1) review = withEvidence(review, entry(`D${index}`), 't');
    expect(review.evidence).toHaveLength(MAX_EVIDENCE_ENTRIES);
    expect(review.evidenceDropped).toBe(3);
    expect(review.destinations).toHaveLength(MAX_EVIDENCE_ENTRIES + 3);
  });
});

describe('resolution', () => {
  it('suspends on suspend, and clear never un-suspends', () => {
    expect(accountStatusAfter('suspend', 'active')).toBe('suspended');
    expect(accountStatusAfter('clear', 'suspended')).toBe('suspended');
    expect(accountStatusAfter('clear', 'under_review')).toBe('active');
  });

  it('requires a non-blank note', () => {
    expect(resolveReviewSchema.safeParse({ action: 'clear', note: '   ' }).success).toBe(false);
    expect(resolveReviewSchema.safeParse({ action: 'clear', note: 'customer confirmed the traffic' }).success).toBe(true);
  });
});

describe('review evidence from a known peer', () => {
  const peerEntry: ReviewEvidence = {
    kind: 'known-peer-auth-failures',
    eventId: 'e-peer',
    at: '2026-03-01T12:00:00.000Z',
    ip: '198.51.100.20',
    evidence: {
      rule: 'known-peer-auth-failures',
      ip: '198.51.100.20',
      allowedEntry: '198.51.100.0/24',
      failures: 5,
      sipUsernames: ['101'],
      window: { seconds: 600, firstFailureAt: '2026-03-01T11:55:00.000Z', lastFailureAt: '2026-03-01T12:00:00.000Z' },
      threshold: 5,
    },
  };

  it('lists the source IP, not a destination, and keeps both kinds in one review', () => {
    const review = withEvidence(withEvidence(openReview('r-1', 'acme', peerEntry, 't0'), entry('LT'), 't1'), { ...peerEntry, eventId: 'e-peer-2' }, 't2');
    expect(review.sourceIps).toEqual(['198.51.100.20']);
    expect(review.destinations).toEqual(['LT']);
    expect(review.evidence.map((item) => item.kind)).toEqual(['known-peer-auth-failures', 'destination-restricted', 'known-peer-auth-failures']);
  });
});
