/** The body a switch sends to `POST /v1/authorize`. Schema violations are 400s; an impossible number is a decision. */
import * as z from 'zod';
import { accountIdSchema, techPrefixSchema } from '../accounts/account.js';

export const authorizationRequestSchema = z
  .object({
    callId: z.string().min(1).max(256),
    to: z.string().min(1).max(128),
    from: z.string().max(128).default(''),
    sourceIp: z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' }),
    authMethod: z.enum(['ip', 'digest']),
    accountId: accountIdSchema.optional(),
    techPrefix: techPrefixSchema.optional(),
    sipUsername: z.string().min(1).max(128).optional(),
  })
  .strict();

export type AuthorizationRequest = z.infer<typeof authorizationRequestSchema>;
