/**
 * The HTTP contract's schemas, one entry per route of domain/contract/routes.ts, keyed `"METHOD /path"`: what the
 * route takes (its JSON body, raw body or none; its query), what it answers, and the errors particular to it. This is
 * the one source of both:
 * - the HTTP edge (functions/shared/http.ts) validates every request with the entry of the route it serves, and an
 *   endpoint names its routes by these keys to get its body and query typed (it cannot pass a schema of its own);
 * - the OpenAPI document (domain/contract/openapi.ts, `GET /v1/openapi.json`) is generated from it.
 *
 * Adding a route: add its row to ROUTES and its entry here (a route with a body is one entry naming its schema).
 * test/domain/contract/openapi.test.ts fails, naming the route, when the two drift.
 *
 * The errors every route may answer are derived, not listed (domain/contract/openapi.ts, `errorStatusesOf`): 400 for a
 * route with a body, a query or a path parameter, 401/403/503 for one that needs a credential, 413 for one with a
 * body. `errors` lists only what a route answers beyond those (404, 409, ...).
 */
import * as z from 'zod';
import { accountIdSchema, accountPolicySchema, accountSearchSchema, ACCOUNT_STATUSES, newAccountSchema } from '../accounts/account.js';
import { accountResetSchema } from '../accounts/reset-account.js';
import { carrierPolicySchema } from '../accounts/carrier-policy.js';
import { ipAddressSchema } from '../bans/ip-ban.js';
import { issueCredentialSchema } from '../credentials/credential.js';
import { authorizationRequestSchema } from '../policy/authorization-request.js';
import { STOP_REASONS } from '../calls/live-call-control.js';
import { callingHoursSchema, callingWindowSchema } from '../policy/calling-hours.js';
import { DECISION_REASONS, DEFAULT_SIP_RESPONSES } from '../policy/decision.js';
import { accountWhatIfSchema, carrierWhatIfSchema } from '../policy/run-what-if.js';
import { resolveReviewSchema, REVIEW_ACTIONS, REVIEW_STATUSES } from '../reviews/review.js';
import { pageQueryFields, pageQuerySchema } from '../shared/page.js';
import { ROLES } from './routes.js';

// ---------------------------------------------------------------------------------------------------------------
// Request bodies and queries declared for one route only (the others live with their domain and are imported).
// ---------------------------------------------------------------------------------------------------------------

/** `POST /v1/accounts/{accountId}/suspend` and `/reactivate`. */
export const statusChangeSchema = z.object({ note: z.string().trim().min(1).max(1_000) }).strict();

/** `POST /v1/accounts/{accountId}/credits`: a manual credit, in currency units. */
export const creditSchema = z.object({ amount: z.number().finite().positive().max(1_000_000), note: z.string().max(500).optional() }).strict();

/** `PUT /v1/high-risk-prefixes`: the carrier-wide list, replaced whole. */
export const highRiskListSchema = z
  .object({ prefixes: z.array(z.string().regex(/^\d{1,15}$/, 'must be 1 to 15 digits (an E.164 prefix without "+")')).max(100_000) })
  .strict();

/** `POST /v1/calls/{callId}/completed`: the switch reports an ended call. */
export const completionSchema = z
  .object({
    durationSeconds: z.number().int().min(0).max(86_400),
    endedAt: z.iso.datetime({ offset: true }),
  })
  .strict();

/** `POST /v1/calls/{callId}/interim`: an interim update on a live call. */
export const interimSchema = z
  .object({
    answered: z.boolean(),
    elapsedSeconds: z.number().int().min(0).max(86_400),
  })
  .strict();

/** `POST /v1/auth-failures`: a failed SIP authentication. */
export const authFailureSchema = z
  .object({ sourceIp: ipAddressSchema, sipUsername: z.string().min(1).max(128).optional(), accountId: accountIdSchema.optional() })
  .strict();

/** `GET /v1/bans`: JSON (default), or text for ipset / a Kamailio htable. */
export const banListQuerySchema = z.object({ format: z.enum(['json', 'text', 'kamailio']).optional() });

/** `GET /v1/calls/to-end`: JSON, or one Call-ID a line for a script. */
export const callsToEndQuerySchema = z.object({ format: z.enum(['json', 'text']).optional() }).strict();

/** `GET /v1/reviews`: the queue by status, paginated. */
export const accountListQuerySchema = z.object({ ...pageQueryFields, search: accountSearchSchema.optional() }).strict();
export const reviewListQuerySchema = z.object({ status: z.enum(REVIEW_STATUSES).default('open'), ...pageQueryFields }).strict();

/** A query that takes nothing. */
export const emptyQuerySchema = z.object({}).strict();

// ---------------------------------------------------------------------------------------------------------------
// Answers. Strict, so that a test parsing a real answer with them fails when the answer grows a field the document
// does not show.
// ---------------------------------------------------------------------------------------------------------------

/** The contract's error shape, whatever the status. */
export const errorAnswerSchema = z.strictObject({
  error: z.strictObject({
    code: z.enum(['INVALID_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'TOO_MUCH_TO_REPLAY', 'SERVICE_UNAVAILABLE', 'INTERNAL']),
    message: z.string(),
    details: z.array(z.strictObject({ field: z.string(), message: z.string() })).meta({ description: 'One entry per bad field, named by its dotted path.' }),
  }),
});

const destinationSchema = z.strictObject({
  e164: z.string(),
  country: z.string().meta({ description: 'ISO 3166-1 alpha-2' }),
  prefix: z.string(),
  description: z.string(),
  ratePerMinute: z.number(),
});

/**
 * Every reason a decision names, with the SIP response a denial carries by default (a carrier may override them,
 * `TOLLGATE_SIP_RESPONSES`): in the description as a table, and as `x-sip-responses` for a client generator.
 */
export const decisionReasonSchema = z.enum(DECISION_REASONS as [string, ...string[]]).meta({
  title: 'DecisionReason',
  description: [
    'The stable reason code of a decision, and the SIP response a denial sends by default:',
    '',
    '| reason | SIP |',
    '| --- | --- |',
    ...DECISION_REASONS.map((reason) => `| ${reason} | ${DEFAULT_SIP_RESPONSES[reason].code} ${DEFAULT_SIP_RESPONSES[reason].reason} |`),
  ].join('\n'),
  'x-sip-responses': Object.fromEntries(DECISION_REASONS.map((reason) => [reason, { ...DEFAULT_SIP_RESPONSES[reason] }])),
});

const ruleEvidenceSchema = z
  .object({ rule: z.string(), step: z.number().int(), detail: z.string(), evidence: z.record(z.string(), z.unknown()) })
  .meta({ description: 'The rule that decided and the facts it looked at; `rule` tells the shape of `evidence` (README, "How a call is decided").' });

const unblockActorSchema = z.enum(['customer', 'admin', 'reviewer']);

/** A denial's unblock hint (domain/policy/unblock-hints.ts): the changes that would have let the call through, in order. */
export const unblockHintSchema = z
  .array(
    z.union([
      z.strictObject({ path: z.string(), value: z.union([z.number(), z.boolean(), z.string()]), by: unblockActorSchema }),
      z.strictObject({ path: z.string(), add: z.union([z.string(), callingWindowSchema]), by: unblockActorSchema }),
      z.strictObject({ path: z.string(), remove: z.string(), by: unblockActorSchema }),
      z.strictObject({ action: z.literal('credit'), amount: z.number(), by: z.literal('admin') }),
      z.strictObject({ action: z.literal('review'), review: z.enum(REVIEW_ACTIONS), destination: z.string().optional(), by: z.literal('reviewer') }),
    ]),
  )
  .meta({ description: 'Deny only: the changes (a policy path set, added to or removed from; a credit; a review) that would have let the call through, and who may make each; [] when none would.' });

/** The answer to `POST /v1/authorize`: what the switch acts on, and why (domain/policy/decision.ts). */
export const authorizeAnswerSchema = z.strictObject({
  callId: z.string(),
  decisionId: z.string(),
  decision: z.enum(['allow', 'deny']),
  reason: decisionReasonSchema,
  sipCode: z.number().int().meta({ description: 'The SIP response to send on denial (200 on allow).' }),
  sipReason: z.string(),
  accountId: z.string().nullable(),
  destination: destinationSchema.nullable(),
  maxDurationSeconds: z.number().int().optional().meta({ description: 'Allow only: talk time granted from the answer.' }),
  interimSeconds: z.number().int().optional().meta({ description: 'Allow only, when more may be granted later: send an interim update after this many seconds.' }),
  rule: ruleEvidenceSchema,
  unblock: unblockHintSchema.optional(),
  decidedAt: z.iso.datetime(),
  replayed: z.boolean().meta({ description: 'True when this callId was decided before: the first decision, answered again.' }),
});

/** One entry of the access log, `GET /v1/accounts/{accountId}/decisions`: the decision as recorded, with its request. */
export const decisionRecordSchema = z.strictObject({
  decisionId: z.string(),
  callId: z.string(),
  decidedAt: z.iso.datetime(),
  request: z.strictObject({
    to: z.string(),
    from: z.string(),
    sourceIp: z.string(),
    authMethod: z.enum(['ip', 'digest']),
    accountId: z.string().optional(),
    techPrefix: z.string().optional(),
    sipUsername: z.string().optional(),
  }),
  decision: z.enum(['allow', 'deny']),
  reason: decisionReasonSchema,
  sipCode: z.number().int(),
  sipReason: z.string(),
  accountId: z.string().nullable(),
  destination: destinationSchema.nullable(),
  maxDurationSeconds: z.number().int().nullable(),
  interimSeconds: z.number().int().nullable(),
  rule: ruleEvidenceSchema,
  unblock: unblockHintSchema.optional(),
});

export const decisionPageAnswerSchema = z.strictObject({ accountId: z.string(), decisions: z.array(decisionRecordSchema), nextCursor: z.string().nullable() });

/** An account as GET /v1/accounts/{accountId} and POST /v1/accounts show it (functions/shared/views.ts). */
export const accountAnswerSchema = z.strictObject({
  accountId: z.string(),
  name: z.string(),
  homeCountry: z.string(),
  techPrefix: z.string().nullable(),
  sipUsernames: z.array(z.string()),
  status: z.enum(ACCOUNT_STATUSES),
  balance: z.number(),
  reserved: z.number().optional().meta({ description: 'GET only: what its calls in progress hold.' }),
  available: z.number().optional().meta({ description: 'GET only: balance less reserved.' }),
  liveCalls: z.number().int().optional().meta({ description: 'GET only.' }),
  policy: accountPolicySchema.meta({ description: 'The effective policy calls are decided on.' }),
  restrictedDestinations: z.array(z.string()),
  createdAt: z.iso.datetime(),
  version: z.number().int(),
  openReviewId: z.string().nullable(),
});

export const healthAnswerSchema = z.strictObject({ status: z.literal('ok'), service: z.literal('tollgate') });

/** The effective policy as the policy routes show it: with the carrier's calling windows beside the customer's. */
const effectivePolicyAnswerSchema = accountPolicySchema.extend({ carrierCallingHours: callingHoursSchema.nullable() }).meta({
  description: "The policy calls are decided on: the customer's made as strict as the carrier's controls, with the carrier's calling windows.",
});

/** GET and PUT /v1/accounts/{accountId}/policy. */
export const policyAnswerSchema = z.strictObject({
  accountId: z.string(),
  version: z.number().int(),
  policy: accountPolicySchema.meta({ description: "The customer's own policy." }),
  carrierPolicy: carrierPolicySchema.meta({ description: "The carrier's controls on the account." }),
  effectivePolicy: effectivePolicyAnswerSchema,
});

/** GET and PUT /v1/accounts/{accountId}/carrier-policy. */
export const carrierPolicyAnswerSchema = z.strictObject({
  accountId: z.string(),
  version: z.number().int(),
  carrierPolicy: carrierPolicySchema,
  effectivePolicy: effectivePolicyAnswerSchema,
});

const credentialSummaryFields = {
  credentialId: z.string(),
  role: z.enum(ROLES),
  accountId: z.string().nullable(),
  label: z.string().nullable(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
  expired: z.boolean(),
};

export const credentialIssuedAnswerSchema = z.strictObject({
  token: z.string().meta({ description: 'Shown once: only its hash is kept.' }),
  ...credentialSummaryFields,
});
export const credentialListAnswerSchema = z.strictObject({ credentials: z.array(z.strictObject(credentialSummaryFields)), nextCursor: z.string().nullable() });
export const credentialRevokedAnswerSchema = z.strictObject({
  ...credentialSummaryFields,
  revoked: z.literal(true),
  revokedAt: z.iso.datetime(),
  effectiveWithinSeconds: z.number().int().meta({ description: 'Every cache refuses the credential within this many seconds.' }),
});

export const creditAnswerSchema = z.strictObject({ accountId: z.string(), credited: z.number(), balance: z.number() });

export const completionAnswerSchema = z.strictObject({
  callId: z.string(),
  accountId: z.string(),
  durationSeconds: z.number().int(),
  endedAt: z.string(),
  ratePerMinute: z.number(),
  charged: z.number(),
  completedAt: z.iso.datetime(),
  alreadyCompleted: z.boolean().meta({ description: 'True for a repeated report: the first settlement, answered again.' }),
});

const stopReasonSchema = z.enum(STOP_REASONS);

export const interimAnswerSchema = z.discriminatedUnion('action', [
  z.strictObject({
    callId: z.string(),
    action: z.literal('continue'),
    maxDurationSeconds: z.number().int().meta({ description: 'The new total: the switch moves its dialog timeout to it.' }),
    interimSeconds: z.number().int().optional().meta({ description: 'When more may be granted later: the next update after this many seconds.' }),
    reserved: z.number(),
    extended: z.boolean(),
    boundBy: z.enum(['target', 'carrierCap', 'balance', 'spendLimit', 'unusualDestination', 'not-answered', 'contention']),
  }),
  z.strictObject({ callId: z.string(), action: z.literal('stop'), reason: stopReasonSchema }),
]);

export const callsToEndAnswerSchema = z.strictObject({
  calls: z.array(z.strictObject({ callId: z.string(), accountId: z.string(), reason: stopReasonSchema })),
  count: z.number().int(),
  generatedAt: z.iso.datetime(),
});

export const statusChangeAnswerSchema = z.strictObject({ account: accountAnswerSchema, changed: z.boolean().meta({ description: 'False when the account already had that status.' }) });

export const webhookSecretAnswerSchema = z.strictObject({
  accountId: z.string(),
  secret: z.string().meta({ description: 'Shown once.' }),
  createdAt: z.iso.datetime(),
  previousSecretValidUntil: z.iso.datetime().nullable().meta({ description: 'Until when the replaced secret keeps signing beside the new one; null when there was none.' }),
  signatureHeader: z.string(),
});

export const rateDeckVersionAnswerSchema = z.strictObject({ version: z.string(), entries: z.number().int(), importedAt: z.iso.datetime(), importedBy: z.string() });

export const highRiskListAnswerSchema = z.strictObject({ prefixes: z.array(z.string()), updatedAt: z.iso.datetime().nullable(), version: z.number().int() });

// ---------------------------------------------------------------------------------------------------------------
// The registry.
// ---------------------------------------------------------------------------------------------------------------

export interface RouteAnswer {
  readonly description: string;
  /** The answer's JSON schema; absent: described in words only. */
  readonly schema?: z.ZodType;
  /** Examples by name, each valid against `schema` (test/domain/contract/openapi.test.ts). */
  readonly examples?: Readonly<Record<string, { readonly summary: string; readonly value: unknown }>>;
}

export interface RouteSchemas {
  readonly summary: string;
  /** The route's JSON body (POST, PUT). */
  readonly body?: z.ZodType;
  /** A body that is not JSON (a CSV upload): the HTTP edge hands it to the endpoint as text. */
  readonly rawBody?: { readonly contentType: string; readonly description: string };
  /** A POST that takes no body at all. */
  readonly noBody?: true;
  readonly bodyExamples?: Readonly<Record<string, { readonly summary: string; readonly value: unknown }>>;
  readonly query?: z.ZodType;
  /** The success answers by status. */
  readonly responses: Readonly<Record<number, RouteAnswer>>;
  /** Error statuses particular to the route, beyond the derived ones (see the top of this file). */
  readonly errors?: readonly number[];
}

const ALLOW_EXAMPLE = {
  callId: 'a84b4c76e66710@pbx.example.net',
  decisionId: '01JD9Z8Q0S4M2V7N3K5R6T8W1X',
  decision: 'allow',
  reason: 'ALLOWED',
  sipCode: 200,
  sipReason: 'OK',
  accountId: 'acme',
  destination: { e164: '+12125550123', country: 'US', prefix: '1212', description: 'USA - New York', ratePerMinute: 0.01 },
  maxDurationSeconds: 3600,
  rule: {
    rule: 'ALLOWED',
    step: 16,
    detail: 'allowed for up to 3600s',
    evidence: { balance: 50, reserved: 0, available: 50, ratePerMinute: 0.01, boundBy: 'carrierCap', bounds: { carrierCap: 3600, balance: 300000 }, reservation: 0.6, sliced: false },
  },
  decidedAt: '2026-11-29T21:04:05.123Z',
  replayed: false,
};

const DENY_EXAMPLE = {
  callId: 'b93c5d87f77821@pbx.example.net',
  decisionId: '01JD9Z9A1B2C3D4E5F6G7H8J9K',
  decision: 'deny',
  reason: 'HIGH_RISK_DESTINATION',
  sipCode: 403,
  sipReason: 'Forbidden',
  accountId: 'acme',
  destination: { e164: '+88213123456', country: 'XS', prefix: '88213', description: 'Satellite - Thuraya', ratePerMinute: 4.5 },
  rule: {
    rule: 'HIGH_RISK_DESTINATION',
    step: 9,
    detail: "88213 is on the carrier's high-risk list",
    evidence: { highRiskPrefix: '88213', allowedHighRiskPrefixes: [] },
  },
  unblock: [{ path: 'allowedHighRiskPrefixes', add: '88213', by: 'customer' }],
  decidedAt: '2026-11-29T21:04:06.456Z',
  replayed: false,
};

const pageAnswer = (what: string): RouteAnswer => ({ description: `${what}, newest first; \`nextCursor\` (null on the last page) is the next page's \`cursor\`.` });

export const ROUTE_SCHEMAS = {
  'GET /health': { summary: 'Liveness, for load balancers; touches no dependency.', responses: { 200: { description: 'Alive.', schema: healthAnswerSchema } } },
  'GET /v1/openapi.json': {
    summary: 'This document: OpenAPI 3.1 for every route, generated from the schemas that validate requests.',
    responses: { 200: { description: 'The OpenAPI 3.1 document.' } },
  },
  'POST /v1/authorize': {
    summary: 'Decide an outbound call before the switch places it.',
    body: authorizationRequestSchema,
    bodyExamples: {
      ipAuthenticated: {
        summary: 'A PBX authenticated by its IP, dialling New York',
        value: { callId: 'a84b4c76e66710@pbx.example.net', to: '+12125550123', from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId: 'acme' },
      },
    },
    responses: {
      200: {
        description: 'The decision. A denial is a 200 too: the switch answers the call with `sipCode` / `sipReason`.',
        schema: authorizeAnswerSchema,
        examples: { allow: { summary: 'Allowed', value: ALLOW_EXAMPLE }, deny: { summary: 'Denied: a high-risk destination', value: DENY_EXAMPLE } },
      },
    },
    errors: [409],
  },
  'GET /v1/accounts': {
    summary: 'The accounts in id order, `search` the start of an id, paged with an opaque cursor.',
    query: accountListQuerySchema,
    responses: { 200: { ...pageAnswer('The accounts') } },
  },
  'GET /v1/me': {
    summary: 'Who the bearer credential is: its id, its role and, for a customer, its account (the console signs in with it).',
    responses: { 200: { description: 'The credential: `{credentialId, role, accountId}`.' } },
  },
  'POST /v1/accounts': { summary: 'Create an account.', body: newAccountSchema, responses: { 201: { description: 'The account created.', schema: accountAnswerSchema } }, errors: [409] },
  'GET /v1/accounts/{accountId}': {
    summary: 'The account: status, balance, what its live calls hold, its effective policy.',
    responses: { 200: { description: 'The account.', schema: accountAnswerSchema } },
    errors: [404],
  },
  'GET /v1/accounts/{accountId}/policy': {
    summary: "The customer's own policy, the carrier's controls and the effective policy calls are decided on.",
    responses: { 200: { description: 'The policies.', schema: policyAnswerSchema } },
    errors: [404],
  },
  'PUT /v1/accounts/{accountId}/policy': {
    summary: "Replace the customer's own policy (omitted fields take their defaults); 403 names each field beyond the carrier's controls.",
    body: accountPolicySchema,
    responses: { 200: { description: 'The policies after the change.', schema: policyAnswerSchema } },
    errors: [404, 409],
  },
  'GET /v1/accounts/{accountId}/decisions': {
    summary: "The account's access log.",
    query: pageQuerySchema,
    responses: { 200: { ...pageAnswer('The decisions'), schema: decisionPageAnswerSchema } },
    errors: [404],
  },
  'POST /v1/accounts/{accountId}/credits': { summary: 'A manual credit, added atomically to the balance.', body: creditSchema, responses: { 200: { description: 'The new balance.', schema: creditAnswerSchema } }, errors: [404] },
  'PUT /v1/rate-deck': {
    summary: 'Import a rate deck (CSV); every bad row is reported with its line number and nothing is applied unless the whole file is valid.',
    rawBody: { contentType: 'text/csv', description: 'The header `prefix,country,description,rate_per_minute`, then one destination a line.' },
    responses: { 200: { description: 'The version imported.', schema: rateDeckVersionAnswerSchema } },
  },
  'GET /v1/rate-deck': { summary: 'The current rate deck version.', responses: { 200: { description: 'The current version.', schema: rateDeckVersionAnswerSchema } }, errors: [404] },
  'PUT /v1/high-risk-prefixes': { summary: 'Replace the carrier-wide high-risk list.', body: highRiskListSchema, responses: { 200: { description: 'The list saved.', schema: highRiskListAnswerSchema } } },
  'GET /v1/high-risk-prefixes': { summary: 'The carrier-wide high-risk list.', responses: { 200: { description: 'The list.', schema: highRiskListAnswerSchema } } },
  'POST /v1/credentials': {
    summary: 'Issue a bearer credential; the token is shown once.',
    body: issueCredentialSchema,
    responses: { 201: { description: 'The credential with its token.', schema: credentialIssuedAnswerSchema } },
    errors: [404],
  },
  'GET /v1/credentials': { summary: 'The credentials, never their tokens.', query: pageQuerySchema, responses: { 200: { ...pageAnswer('The credentials'), schema: credentialListAnswerSchema } } },
  'DELETE /v1/credentials/{credentialId}': { summary: 'Revoke a credential.', responses: { 200: { description: 'The credential revoked.', schema: credentialRevokedAnswerSchema } }, errors: [404] },
  'POST /v1/calls/{callId}/completed': {
    summary: 'The switch reports an ended call; it is settled once.',
    body: completionSchema,
    responses: { 200: { description: 'The settlement (the first one, for a repeated report).', schema: completionAnswerSchema } },
    errors: [404, 409],
  },
  'POST /v1/calls/{callId}/interim': {
    summary: 'An interim update on a live call: continue (with a new total duration) or stop.',
    body: interimSchema,
    responses: { 200: { description: 'continue or stop.', schema: interimAnswerSchema } },
    errors: [404, 409],
  },
  'GET /v1/calls/to-end': {
    summary: 'The live calls a switch must end now.',
    query: callsToEndQuerySchema,
    responses: { 200: { description: 'The calls (JSON; with `format=text`, one Call-ID a line as text/plain).', schema: callsToEndAnswerSchema } },
  },
  'GET /v1/accounts/{accountId}/calls': { summary: "The account's live calls with their reservations.", query: emptyQuerySchema, responses: { 200: { description: 'The live calls.' } }, errors: [404] },
  'GET /v1/accounts/{accountId}/carrier-policy': {
    summary: "The carrier's controls on the account and the effective policy.",
    responses: { 200: { description: 'The controls.', schema: carrierPolicyAnswerSchema } },
    errors: [404],
  },
  'PUT /v1/accounts/{accountId}/carrier-policy': {
    summary: "Replace the carrier's controls on the account (omitted fields take their defaults).",
    body: carrierPolicySchema,
    responses: { 200: { description: 'The controls after the change.', schema: carrierPolicyAnswerSchema } },
    errors: [404, 409],
  },
  'POST /v1/accounts/{accountId}/suspend': {
    summary: 'Suspend the account: its next call is refused and its live calls go on the to-end list.',
    body: statusChangeSchema,
    responses: { 200: { description: 'The account, and whether it changed.', schema: statusChangeAnswerSchema } },
    errors: [404, 409],
  },
  'POST /v1/accounts/{accountId}/reactivate': {
    summary: 'Reactivate the account.',
    body: statusChangeSchema,
    responses: { 200: { description: 'The account, and whether it changed.', schema: statusChangeAnswerSchema } },
    errors: [404, 409],
  },
  'POST /v1/auth-failures': { summary: 'A failed SIP authentication; enough of them ban the source IP.', body: authFailureSchema, responses: { 200: { description: 'Counted, banned or withheld (a known peer).' } } },
  'GET /v1/bans': { summary: 'The active IP bans, for switches and firewalls.', query: banListQuerySchema, responses: { 200: { description: 'The bans (JSON, or text with `format`).' } } },
  'GET /v1/bans/{ip}': { summary: 'Why the IP is or was banned.', responses: { 200: { description: 'The ban and its lift, or the ban withheld from a known peer.' } }, errors: [404] },
  'DELETE /v1/bans/{ip}': { summary: 'Lift an active ban now.', responses: { 200: { description: 'The ban lifted.' } }, errors: [404, 409] },
  'GET /v1/range-restrictions': {
    summary: 'The ranges the range watch restricted carrier-wide, with their evidence.',
    responses: { 200: { description: 'The active range restrictions: accounts with the numbers each dialled and when, numbers, threshold, window, and the carrier review each opened (`reviewId`).' } },
  },
  'DELETE /v1/range-restrictions/{range}': {
    summary: 'Lift a carrier-wide range restriction and close its open carrier review (audited, one write).',
    responses: { 200: { description: 'The restriction lifted; `reviewClosed` says whether an open carrier review was closed with it.' } },
    errors: [404, 409],
  },
  'GET /v1/accounts/{accountId}/destinations': {
    summary: "What Tollgate learned of the account's destinations, and what is blocked.",
    responses: { 200: { description: 'The destination profile.' } },
    errors: [404],
  },
  'DELETE /v1/accounts/{accountId}/blocked-destinations/{destination}': {
    summary: 'Lift an automatic restriction.',
    responses: { 200: { description: 'The restrictions left.' } },
    errors: [404],
  },
  'GET /v1/reviews': {
    summary: "The fraud desk's queue with the evidence: accounts' reviews (`scope: account`) and restricted ranges (`scope: carrier`).",
    query: reviewListQuerySchema,
    responses: { 200: pageAnswer('The reviews') },
  },
  'POST /v1/reviews/{reviewId}/resolve': {
    summary: "Resolve a review: an account's with clear or suspend; a carrier review with clear (lifts the range) or keep.",
    body: resolveReviewSchema,
    responses: { 200: { description: "The review and the account (`account`), or for a carrier review the range and whether it was lifted (`restriction`)." } },
    errors: [404, 409],
  },
  'GET /v1/accounts/{accountId}/audit': { summary: "The account's audit trail.", query: pageQuerySchema, responses: { 200: pageAnswer('The changes') }, errors: [404] },
  'GET /v1/audit': { summary: 'The carrier-scope audit trail (IP bans, their lifts, bans withheld).', query: pageQuerySchema, responses: { 200: pageAnswer('The changes') } },
  'POST /v1/accounts/{accountId}/webhook-secret': {
    summary: "Rotate the account's webhook signing secret; the new one is shown once.",
    noBody: true,
    responses: { 200: { description: 'The new secret.', schema: webhookSecretAnswerSchema } },
    errors: [404, 409],
  },
  'POST /v1/accounts/{accountId}/reset': {
    summary: "Clear the account's usage counters and/or its automatic restrictions; balance, live calls and their reservations stay.",
    body: accountResetSchema,
    responses: { 200: { description: 'The account and what was reset (with the destinations lifted).' } },
    errors: [404, 409],
  },
  'POST /v1/accounts/{accountId}/what-if': {
    summary: "Replay the span's stored decisions with a proposed policy (read-only); the answer states what the replay approximates.",
    body: accountWhatIfSchema,
    responses: { 200: { description: 'Kept, changed, newly denied and newly allowed decisions, by reason, and the spend avoided.' } },
    errors: [404],
  },
  'POST /v1/what-if': {
    summary: 'Replay stored decisions with proposed carrier-wide detection thresholds, over every account or those named (read-only).',
    body: carrierWhatIfSchema,
    responses: { 200: { description: 'Totals and the accounts whose decisions would change.' } },
  },
} as const satisfies Readonly<Record<string, RouteSchemas>>;

export type RouteKey = keyof typeof ROUTE_SCHEMAS;

/** `"METHOD /path"`, the key of a route in ROUTE_SCHEMAS (and API Gateway's route key). */
export function routeKeyOf(route: { readonly method: string; readonly path: string }): string {
  return `${route.method} ${route.path}`;
}

/** The entry of a route, or undefined when the registry lacks it (a test and the HTTP edge refuse that). */
export function routeSchemasOf(route: { readonly method: string; readonly path: string }): RouteSchemas | undefined {
  const key = routeKeyOf(route);
  return Object.hasOwn(ROUTE_SCHEMAS, key) ? (ROUTE_SCHEMAS as Readonly<Record<string, RouteSchemas>>)[key] : undefined;
}

type Entry<K extends RouteKey> = (typeof ROUTE_SCHEMAS)[K];
type BodiesOf<K extends RouteKey> = K extends RouteKey ? (Entry<K> extends { readonly body: infer S extends z.ZodType } ? z.output<S> : never) : never;
type QueriesOf<K extends RouteKey> = K extends RouteKey ? (Entry<K> extends { readonly query: infer S extends z.ZodType } ? z.output<S> : never) : never;

/** The parsed body an endpoint serving routes K receives: the union of their bodies (undefined when none takes one). */
export type BodyOf<K extends RouteKey> = [BodiesOf<K>] extends [never] ? undefined : BodiesOf<K>;
/** The parsed query an endpoint serving routes K receives. */
export type QueryOf<K extends RouteKey> = [QueriesOf<K>] extends [never] ? Record<string, never> : QueriesOf<K>;
