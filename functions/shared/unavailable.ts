/**
 * What "the database is unavailable" looks like to a function, kept apart from the HTTP edge so that the authorizer
 * can use it without loading the edge.
 */

/** The authorizer's answer for a credential it could not check (see functions/authorizer/principal.ts). */
export const UNVERIFIED_ROLE = 'unverified';

/** A database that is down, frozen or throttling: the caller may retry, and it is not a bug to page anyone about. */
export function isUnavailable(error: unknown): boolean {
  const { name, code, $retryable } = (error ?? {}) as { name?: string; code?: string; $retryable?: unknown };
  const networkCodes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND'];
  return (
    ['TimeoutError', 'AbortError', 'RequestTimeout', 'NetworkingError', 'ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'InternalServerError', 'ServiceUnavailable'].includes(name ?? '') ||
    networkCodes.includes(code ?? '') ||
    Boolean($retryable)
  );
}
