/**
 * Webhook signing secrets are encrypted at rest under a customer-managed KMS key with this encryption context
 * (`purpose`, plus the `accountId` whose secret it is). The adapter (functions/adapters/secrets/secret-cipher.ts)
 * sets it; the IAM grants (infra/constructs/tollgate-function.ts) allow the key only for this purpose.
 */
export const WEBHOOK_SECRET_PURPOSE = 'webhook-signing-secret';
