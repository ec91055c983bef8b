/** Bearer credentials: who may call which part of the API. A customer credential is bound to one account. */
import * as z from 'zod';
import { accountIdSchema } from '../accounts/account.js';
import { ROLES, type Role } from '../contract/routes.js';

export interface Principal {
  readonly role: Role;
  readonly credentialId: string;
  /** Set for customer credentials only. */
  readonly accountId?: string;
  /**
   * The credential could not be checked because the database is unavailable (and this process never verified it):
   * only POST /v1/authorize lets it through, to answer the fail mode's refusal instead of an error.
   */
  readonly unverified?: boolean;
  /** Verified earlier by this process, and trusted as it was while the database is unavailable. */
  readonly verifiedEarlier?: boolean;
}

/**
 * A credential's public id: shown in listings, audit records and logs, used to revoke it. It is random (or a fixed
 * name for the bootstrap and demo credentials), never derived from the token or its hash.
 */
export const credentialIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1 to 64 letters, digits, "-" or "_"');

export const issueCredentialSchema = z
  .object({
    role: z.enum(ROLES),
    accountId: accountIdSchema.optional(),
    label: z.string().max(200).optional(),
    /** Days until the credential stops working; without it the credential lasts until it is revoked. */
    expiresInDays: z.number().int().min(1).max(3_650).optional(),
  })
  .strict()
  .superRefine((value, context) => {
    if (value.role === 'customer' && !value.accountId) {
      context.addIssue({ code: 'custom', path: ['accountId'], message: 'is required for a customer credential' });
    }
    if (value.role !== 'customer' && value.accountId) {
      context.addIssue({ code: 'custom', path: ['accountId'], message: 'only a customer credential is bound to an account' });
    }
  });
export type IssueCredentialRequest = z.infer<typeof issueCredentialSchema>;

/** May this principal act on this account's resources? Customers reach their own account only. */
export function mayActOnAccount(principal: Principal, accountId: string): boolean {
  return principal.role !== 'customer' || principal.accountId === accountId;
}
