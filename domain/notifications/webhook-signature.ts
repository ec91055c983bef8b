/**
 * Webhook signatures: `Tollgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * Signing the timestamp with the body lets a receiver reject replays (default tolerance 5 minutes). During a secret
 * rotation the header carries one `v1=` per valid secret; a receiver accepts if any matches its secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Tollgate-Signature';
export const EVENT_ID_HEADER = 'Tollgate-Event-Id';
export const EVENT_TYPE_HEADER = 'Tollgate-Event-Type';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function computeSignature(secret: string, timestampSeconds: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`, 'utf8').digest('hex');
}

export function signatureHeader(secrets: readonly string[], timestampSeconds: number, rawBody: string): string {
  return [`t=${timestampSeconds}`, ...secrets.map((secret) => `v1=${computeSignature(secret, timestampSeconds, rawBody)}`)].join(',');
}

export interface VerifyInput {
  readonly header: string | undefined;
  readonly rawBody: string;
  readonly secret: string;
  readonly nowSeconds: number;
  readonly toleranceSeconds?: number;
}

/** The receiver's check, also the reference implementation for the README: constant-time, replay-bounded. */
export function verifySignature(input: VerifyInput): boolean {
  if (!input.header) return false;
  const parts = input.header.split(',').map((part) => part.trim().split('='));
  const timestamp = Number(parts.find(([name]) => name === 't')?.[1]);
  if (!Number.isInteger(timestamp)) return false;
  if (Math.abs(input.nowSeconds - timestamp) > (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(computeSignature(input.secret, timestamp, input.rawBody), 'hex');
  return parts
    .filter(([name, value]) => name === 'v1' && typeof value === 'string' && /^[0-9a-f]{64}$/.test(value))
    .some(([, value]) => timingSafeEqual(Buffer.from(value ?? '', 'hex'), expected));
}
