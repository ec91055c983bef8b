import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeSignature, signatureHeader, verifySignature } from '../../../domain/notifications/webhook-signature.js';

const secret = 'whsec_test-secret';
const body = '{"detailType":"Balance Low","detail":{"eventId":"e-1"}}';
const t = 1_772_366_400;

describe('webhook signature', () => {
  it('is the hex HMAC-SHA256 of "<t>.<raw body>" under the account secret', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(computeSignature(secret, t, body)).toBe(expected);
    expect(signatureHeader([secret], t, body)).toBe(`t=${t},v1=${expected}`);
  });

  it('verifies a header it produced', () => {
    expect(verifySignature({ header: signatureHeader([secret], t, body), rawBody: body, secret, nowSeconds: t + 10 })).toBe(true);
  });

  it('rejects a changed body, another secret, or a missing header', () => {
    const header = signatureHeader([secret], t, body);
    expect(verifySignature({ header, rawBody: body.replace('e-1', 'e-2'), secret, nowSeconds: t })).toBe(false);
    expect(verifySignature({ header, rawBody: body, secret: 'whsec_other', nowSeconds: t })).toBe(false);
    expect(verifySignature({ header: undefined, rawBody: body, secret, nowSeconds: t })).toBe(false);
  });

  it('rejects a replay older than the tolerance (5 minutes by default)', () => {
    const header = signatureHeader([secret], t, body);
    expect(verifySignature({ header, rawBody: body, secret, nowSeconds: t + 301 })).toBe(false);
    expect(verifySignature({ header, rawBody: body, secret, nowSeconds: t + 301, toleranceSeconds: 600 })).toBe(true);
  });

  it('carries one v1 per secret during a rotation, and either secret verifies', () => {
    const header = signatureHeader(['whsec_new', 'whsec_old'], t, body);
    expect(header.split(',')).toHaveLength(3);
    expect(verifySignature({ header, rawBody: body, secret: 'whsec_new', nowSeconds: t })).toBe(true);
    expect(verifySignature({ header, rawBody: body, secret: 'whsec_old', nowSeconds: t })).toBe(true);
  });
});
