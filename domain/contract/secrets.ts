/**
 * Webhook signing secrets are encrypted at rest under a customer-managed KMS key with this encryption context
 * (`purpose`, plus the `accountId` whose secret it is). The adapter (functions/adapters/secrets/secret-cipher.ts)
 * sets it; the IAM grants (infra/constructs/tollgate-function.ts) allow the key only for this purpose.
 */
export const WEBHOOK_SECRET_PURPOSE = 'webhook-signing-secret';

/**
 * With a front door, CloudFront adds this header to every request it sends to the API's origin domain, its value a
 * secret; the authorizer refuses a request without it (infra/constructs/front-door.ts, functions/authorizer/endpoint.ts).
 * Lower case: HTTP APIs (payload 2.0) hand headers to Lambda in lower case.
 */
export const ORIGIN_HEADER = 'x-tollgate-origin';
