/**
 * Every path parameter of the contract, each validated by one schema declared here once per name: the schema that
 * validates the same field when it arrives in a body. The HTTP edge (functions/shared/http.ts) parses the path with
 * these before any handler runs, so no handler reads an unchecked id and no oversized or malformed id reaches
 * DynamoDB (where a 3,000-character key is a ValidationException, i.e. a 500).
 */
import * as z from 'zod';
import { accountIdSchema } from '../accounts/account.js';
import { ipAddressSchema } from '../bans/ip-ban.js';
import { credentialIdSchema } from '../credentials/credential.js';
import { authorizationRequestSchema } from '../policy/authorization-request.js';
import { reviewIdSchema } from '../reviews/review.js';

/** What `DELETE .../blocked-destinations/{destination}` lifts: a country (ISO alpha-2, any case) or a digit prefix. */
export const blockedDestinationSchema = z
  .string()
  .regex(/^([A-Za-z]{2}|\d{1,15})$/, 'must be an ISO 3166-1 alpha-2 country code or 1 to 15 digits');

/** A range the range watch restricted: a rate-deck prefix (digits) or an exact number (`+` and digits). */
export const restrictedRangeSchema = z.string().regex(/^\+?\d{1,15}$/, 'must be a digit prefix or + and a number (1 to 15 digits)');

export const PATH_PARAMETER_SCHEMAS = {
  accountId: accountIdSchema,
  // The completion report names the call exactly as the authorize body did.
  callId: authorizationRequestSchema.shape.callId,
  ip: ipAddressSchema,
  destination: blockedDestinationSchema,
  reviewId: reviewIdSchema,
  range: restrictedRangeSchema,
  credentialId: credentialIdSchema,
} as const satisfies Record<string, z.ZodType<string>>;

export type PathParameterName = keyof typeof PATH_PARAMETER_SCHEMAS;

/** The `{name}` placeholders of an API Gateway path template, in order. */
export function pathParameterNames(pathTemplate: string): string[] {
  return [...pathTemplate.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
}

export function isPathParameterName(name: string): name is PathParameterName {
  return Object.hasOwn(PATH_PARAMETER_SCHEMAS, name);
}
