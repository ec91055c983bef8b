/**
 * The console's typed client. Request and response types come from the contract's own code, never restated:
 * request bodies are the zod schemas' input types (the same schemas the API validates with), answers the view
 * builders' return types (`accountView`, `reviewView`, `banView`, `credentialSummary`). Only type imports cross into
 * functions/: nothing of the server is bundled but the pure zod schemas of domain/.
 */
import type * as z from 'zod';
import type { accountPolicySchema, newAccountSchema } from '../../domain/accounts/account.js';
import type { CarrierPolicy } from '../../domain/accounts/carrier-policy.js';
import type { Role } from '../../domain/contract/routes.js';
import type { issueCredentialSchema } from '../../domain/credentials/credential.js';
import type { CredentialSummary } from '../../domain/credentials/manage-credentials.js';
import type { ProfileRow } from '../../domain/profiling/ports.js';
import type { ReviewAction } from '../../domain/reviews/review.js';
import type { banView } from '../../functions/bans/view.js';
import type { reviewView } from '../../functions/reviews/view.js';
import type { accountView } from '../../functions/shared/views.js';

/** The API's JSON: what a view builder returns, after JSON.stringify (Dates are strings by then). */
type Json<T> = T extends Date ? string : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;

export type AccountPolicy = z.output<typeof accountPolicySchema>;
export type PolicyInput = z.input<typeof accountPolicySchema>;
export type NewAccount = z.input<typeof newAccountSchema>;
export type IssueCredential = z.input<typeof issueCredentialSchema>;
export type Account = Json<ReturnType<typeof accountView>>;
export type Review = Json<ReturnType<typeof reviewView>>;
/** An account's review, and the carrier's review of a range the range watch restricted. */
export type AccountReview = Extract<Review, { scope: 'account' }>;
export type RangeReview = Extract<Review, { scope: 'carrier' }>;
export type Ban = Json<ReturnType<typeof banView>>;
export type Credential = Json<CredentialSummary>;

export interface Me {
  readonly credentialId: string;
  readonly role: Role;
  readonly accountId: string | null;
}

export interface PolicyAnswer {
  readonly accountId: string;
  readonly version: number;
  readonly policy: AccountPolicy;
  readonly carrierPolicy: Json<CarrierPolicy>;
  readonly effectivePolicy: AccountPolicy;
}

/** One smallest change that would have let a denied call through (DESIGN.md "Operator power"). */
export type UnblockHint =
  | { readonly path: string; readonly value: unknown }
  | { readonly path: string; readonly add: string }
  | { readonly action: 'credit'; readonly amount: number }
  | { readonly action: 'review' };

export interface Destination {
  readonly e164: string;
  readonly country: string | null;
  readonly prefix: string | null;
  readonly description?: string;
  readonly ratePerMinute: number | null;
}

export interface Decision {
  readonly decisionId: string;
  readonly callId: string;
  readonly decidedAt: string;
  readonly request: { readonly to: string; readonly from?: string; readonly sourceIp: string };
  readonly decision: 'allow' | 'deny';
  readonly reason: string;
  readonly sipCode: number;
  readonly destination: Destination | null;
  readonly maxDurationSeconds: number | null;
  readonly rule: { readonly rule: string; readonly step: number; readonly detail: string; readonly evidence?: Record<string, unknown> };
  readonly unblock?: readonly UnblockHint[];
}

export interface LiveCall {
  readonly callId: string;
  readonly destination: Destination;
  readonly authorizedAt: string;
  readonly grantedSeconds: number;
  readonly expiresAt: string;
  readonly toEnd: string | null;
  readonly reserved: number;
}

export interface DestinationProfile {
  readonly accountId: string;
  readonly homeCountry: string;
  readonly knownCountries: string[];
  readonly restrictedDestinations: string[];
  readonly blockedCountries: string[];
  readonly blockedPrefixes: string[];
  readonly countries: Json<ProfileRow>[];
  readonly prefixes: Json<ProfileRow>[];
  readonly unusualAttempts: { readonly windowMinutes: number; readonly currentWindow: Record<string, number>; readonly previousWindow: Record<string, number> };
}

export interface WhatIf {
  readonly evaluated: number;
  readonly changed: number;
  readonly newlyDenied: readonly unknown[];
  readonly newlyAllowed: readonly unknown[];
  readonly byReason: Record<string, unknown>;
  readonly spendAvoided: number;
}

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** A refused or failed request, with the API's error body when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly FieldProblem[] = [],
  ) {
    super(message);
  }
}

/** Requests slower than this are announced as slow. */
export const SLOW_REQUEST_MS = 1_500;

export interface RequestListener {
  (event: { readonly phase: 'start' | 'slow' | 'end'; readonly id: number; readonly label: string }): void;
}

let nextRequestId = 0;

/** One client per signed-in token; every request reports start, slowness and end so the shell shows progress. */
export function createClient(token: string, onRequest: RequestListener = () => undefined, base = '') {
  async function request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const id = (nextRequestId += 1);
    const label = `${method} ${path.split('?')[0]}`;
    onRequest({ phase: 'start', id, label });
    const slow = setTimeout(() => onRequest({ phase: 'slow', id, label }), SLOW_REQUEST_MS);
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      let payload: string | undefined;
      if (body !== undefined) {
        headers['content-type'] = contentType;
        payload = typeof body === 'string' ? body : JSON.stringify(body);
      }
      let response: Response;
      try {
        response = await fetch(`${base}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
      } catch (error) {
        throw new ApiError(0, 'NETWORK', `the API could not be reached (${error instanceof Error ? error.message : String(error)})`);
      }
      const text = await response.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
      if (!response.ok) {
        const error = (parsed as { error?: { code?: string; message?: string; details?: FieldProblem[] } } | undefined)?.error;
        throw new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? `${label} answered ${response.status}`, error?.details ?? []);
      }
      return parsed as T;
    } finally {
      clearTimeout(slow);
      onRequest({ phase: 'end', id, label });
    }
  }

  const page = (limit: number, cursor?: string | null) => `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const id = encodeURIComponent;

  return {
    me: () => request<Me>('GET', '/v1/me'),
    // accounts
    account: (accountId: string) => request<Account>('GET', `/v1/accounts/${id(accountId)}`),
    accounts: (limit: number, cursor?: string | null, search?: string) =>
      request<{ accounts: Account[]; nextCursor: string | null }>('GET', `/v1/accounts?${page(limit, cursor)}${search ? `&search=${id(search)}` : ''}`),
    createAccount: (body: NewAccount) => request<Account>('POST', '/v1/accounts', body),
    policy: (accountId: string) => request<PolicyAnswer>('GET', `/v1/accounts/${id(accountId)}/policy`),
    putPolicy: (accountId: string, policy: PolicyInput) => request<PolicyAnswer>('PUT', `/v1/accounts/${id(accountId)}/policy`, policy),
    whatIf: (accountId: string, body: { policy: PolicyInput; from: string; to: string }) => request<WhatIf>('POST', `/v1/accounts/${id(accountId)}/what-if`, body),
    decisions: (accountId: string, limit: number, cursor?: string | null) =>
      request<{ decisions: Decision[]; nextCursor: string | null }>('GET', `/v1/accounts/${id(accountId)}/decisions?${page(limit, cursor)}`),
    destinations: (accountId: string) => request<DestinationProfile>('GET', `/v1/accounts/${id(accountId)}/destinations`),
    unblockDestination: (accountId: string, destination: string) =>
      request<unknown>('DELETE', `/v1/accounts/${id(accountId)}/blocked-destinations/${id(destination)}`),
    calls: (accountId: string) => request<{ calls: LiveCall[]; count: number; reserved: number }>('GET', `/v1/accounts/${id(accountId)}/calls`),
    suspend: (accountId: string, note: string) => request<unknown>('POST', `/v1/accounts/${id(accountId)}/suspend`, { note }),
    reactivate: (accountId: string, note: string) => request<unknown>('POST', `/v1/accounts/${id(accountId)}/reactivate`, { note }),
    reset: (accountId: string, body: { counters: boolean; restrictions: boolean; note: string }) => request<unknown>('POST', `/v1/accounts/${id(accountId)}/reset`, body),
    rotateWebhookSecret: (accountId: string) => request<{ secret: string } & Record<string, unknown>>('POST', `/v1/accounts/${id(accountId)}/webhook-secret`),
    // reviews, live calls, bans
    reviews: (limit: number, cursor?: string | null) => request<{ reviews: Review[]; nextCursor: string | null }>('GET', `/v1/reviews?status=open&${page(limit, cursor)}`),
    resolve: (reviewId: string, action: ReviewAction, note: string) => request<unknown>('POST', `/v1/reviews/${id(reviewId)}/resolve`, { action, note }),
    toEnd: () => request<{ calls: { callId: string; accountId: string; reason: string }[]; count: number }>('GET', '/v1/calls/to-end'),
    bans: () => request<{ bans: Ban[]; count: number }>('GET', '/v1/bans'),
    ban: (ip: string) => request<Record<string, unknown>>('GET', `/v1/bans/${id(ip)}`),
    liftBan: (ip: string) => request<unknown>('DELETE', `/v1/bans/${id(ip)}`),
    // admin
    credentials: (limit: number, cursor?: string | null) => request<{ credentials: Credential[]; nextCursor: string | null }>('GET', `/v1/credentials?${page(limit, cursor)}`),
    issueCredential: (body: IssueCredential) => request<Credential & { token: string }>('POST', '/v1/credentials', body),
    revokeCredential: (credentialId: string) => request<unknown>('DELETE', `/v1/credentials/${id(credentialId)}`),
    credit: (accountId: string, amount: number) => request<unknown>('POST', `/v1/accounts/${id(accountId)}/credits`, { amount }),
    importRateDeck: (csv: string) => request<Record<string, unknown>>('PUT', '/v1/rate-deck', csv, 'text/csv'),
    rateDeck: () => request<Record<string, unknown>>('GET', '/v1/rate-deck'),
    importHighRisk: (prefixes: string[]) => request<Record<string, unknown>>('PUT', '/v1/high-risk-prefixes', { prefixes }),
  };
}

export type Client = ReturnType<typeof createClient>;
