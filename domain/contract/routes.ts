/**
 * The HTTP contract (v1 and its v1.1 additions) as data: every route, the function that serves it and the roles that may call it.
 * The CDK stack builds API Gateway from this table and the local server routes from it, so the two cannot drift.
 * Each route also has its entry in domain/contract/http-schemas.ts (its body, query and answers), which the HTTP edge
 * validates with and the OpenAPI document (`GET /v1/openapi.json`) is generated from.
 */
export const ROLES = ['switch', 'customer', 'reviewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The longest a revoked or expired credential may still be accepted anywhere: every authorizer cache (API Gateway's
 * per stage, the local server's) keeps an answer at most this long, and the lookup behind it is a consistent read.
 */
export const CREDENTIAL_REVOCATION_SECONDS = 10;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * The largest body any route accepts: 4 MiB. Lambda takes at most 6 MB (6,291,456 bytes) per synchronous invocation,
 * and API Gateway hands it the body inside a JSON event, base64-encoded when it is not text (4/3 larger) and beside
 * headers and context: 4 MiB base64-encoded is 5.6 MB, leaving room for the rest. Above it API Gateway + Lambda could
 * not carry the request, so a route's limit (and `TOLLGATE_MAX_BODY_BYTES`) never exceeds it.
 */
export const MAX_CARRIABLE_BODY_BYTES = 4 * 1024 * 1024;

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway path template, e.g. `/v1/accounts/{accountId}`. */
  readonly path: string;
  /** Folder under functions/ holding `handler.ts`; one Lambda function per name. */
  readonly functionName: FunctionName;
  /** Roles allowed to call the route; `public` needs no credential. Ownership checks happen in the handler. */
  readonly access: readonly Role[] | 'public';
  /**
   * The body limit of a bulk upload (a carrier's rate deck, its high-risk feed). Every other route takes at most
   * `TOLLGATE_MAX_BODY_BYTES`; neither exceeds MAX_CARRIABLE_BODY_BYTES, what API Gateway + Lambda can carry.
   */
  readonly maxBodyBytes?: number;
}

export const HTTP_FUNCTION_NAMES = [
  'health',
  'authorize',
  'accounts',
  'policy',
  'credits',
  'decisions',
  'rate-deck',
  'high-risk-prefixes',
  'credentials',
  'call-completed',
  'call-interim',
  'calls',
  'account-status',
  'account-reset',
  'what-if',
  'carrier-policy',
  'auth-failures',
  'bans',
  'range-restrictions',
  'destinations',
  'reviews',
  'audit',
  'webhook-secret',
  'openapi',
] as const;
export type FunctionName = (typeof HTTP_FUNCTION_NAMES)[number];

export const ROUTES: readonly RouteDefinition[] = [
  { method: 'GET', path: '/health', functionName: 'health', access: 'public' },
  { method: 'GET', path: '/v1/openapi.json', functionName: 'openapi', access: 'public' },
  { method: 'POST', path: '/v1/authorize', functionName: 'authorize', access: ['switch', 'admin'] },
  { method: 'POST', path: '/v1/accounts', functionName: 'accounts', access: ['admin'] },
  /** Accounts in id order, `?search=` the start of an id, `?limit=&cursor=` paging. */
  { method: 'GET', path: '/v1/accounts', functionName: 'accounts', access: ['admin'] },
  { method: 'GET', path: '/v1/accounts/{accountId}', functionName: 'accounts', access: ['customer', 'reviewer', 'admin'] },
  { method: 'GET', path: '/v1/accounts/{accountId}/policy', functionName: 'policy', access: ['customer', 'admin'] },
  { method: 'PUT', path: '/v1/accounts/{accountId}/policy', functionName: 'policy', access: ['customer', 'admin'] },
  { method: 'GET', path: '/v1/accounts/{accountId}/decisions', functionName: 'decisions', access: ['customer', 'reviewer', 'admin'] },
  { method: 'POST', path: '/v1/accounts/{accountId}/credits', functionName: 'credits', access: ['admin'] },
  { method: 'PUT', path: '/v1/rate-deck', functionName: 'rate-deck', access: ['admin'], maxBodyBytes: MAX_CARRIABLE_BODY_BYTES },
  { method: 'GET', path: '/v1/rate-deck', functionName: 'rate-deck', access: ['switch', 'customer', 'reviewer', 'admin'] },
  { method: 'PUT', path: '/v1/high-risk-prefixes', functionName: 'high-risk-prefixes', access: ['admin'], maxBodyBytes: 2 * 1024 * 1024 },
  { method: 'GET', path: '/v1/high-risk-prefixes', functionName: 'high-risk-prefixes', access: ['reviewer', 'admin'] },
  { method: 'POST', path: '/v1/credentials', functionName: 'credentials', access: ['admin'] },
  { method: 'GET', path: '/v1/credentials', functionName: 'credentials', access: ['admin'] },
  { method: 'DELETE', path: '/v1/credentials/{credentialId}', functionName: 'credentials', access: ['admin'] },
  /** Who the presented credential is (`{ role, accountId, credentialId }`): how the console learns its screens. */
  { method: 'GET', path: '/v1/me', functionName: 'credentials', access: ['switch', 'customer', 'reviewer', 'admin'] },
  { method: 'POST', path: '/v1/calls/{callId}/completed', functionName: 'call-completed', access: ['switch', 'admin'] },
  { method: 'POST', path: '/v1/calls/{callId}/interim', functionName: 'call-interim', access: ['switch', 'admin'] },
  { method: 'GET', path: '/v1/calls/to-end', functionName: 'calls', access: ['switch', 'reviewer', 'admin'] },
  { method: 'GET', path: '/v1/accounts/{accountId}/calls', functionName: 'calls', access: ['customer', 'reviewer', 'admin'] },
  { method: 'GET', path: '/v1/accounts/{accountId}/carrier-policy', functionName: 'carrier-policy', access: ['reviewer', 'admin'] },
  { method: 'PUT', path: '/v1/accounts/{accountId}/carrier-policy', functionName: 'carrier-policy', access: ['reviewer', 'admin'] },
  { method: 'POST', path: '/v1/accounts/{accountId}/suspend', functionName: 'account-status', access: ['reviewer', 'admin'] },
  { method: 'POST', path: '/v1/accounts/{accountId}/reactivate', functionName: 'account-status', access: ['reviewer', 'admin'] },
  { method: 'POST', path: '/v1/accounts/{accountId}/reset', functionName: 'account-reset', access: ['reviewer', 'admin'] },
  { method: 'POST', path: '/v1/accounts/{accountId}/what-if', functionName: 'what-if', access: ['customer', 'reviewer', 'admin'] },
  { method: 'POST', path: '/v1/what-if', functionName: 'what-if', access: ['admin'] },
  { method: 'POST', path: '/v1/auth-failures', functionName: 'auth-failures', access: ['switch', 'admin'] },
  { method: 'GET', path: '/v1/bans', functionName: 'bans', access: ['switch', 'reviewer', 'admin'] },
  { method: 'GET', path: '/v1/bans/{ip}', functionName: 'bans', access: ['reviewer', 'admin'] },
  { method: 'DELETE', path: '/v1/bans/{ip}', functionName: 'bans', access: ['reviewer', 'admin'] },
  { method: 'GET', path: '/v1/range-restrictions', functionName: 'range-restrictions', access: ['reviewer', 'admin'] },
  { method: 'DELETE', path: '/v1/range-restrictions/{range}', functionName: 'range-restrictions', access: ['reviewer', 'admin'] },
  { method: 'GET', path: '/v1/accounts/{accountId}/destinations', functionName: 'destinations', access: ['customer', 'reviewer', 'admin'] },
  {
    method: 'DELETE',
    path: '/v1/accounts/{accountId}/blocked-destinations/{destination}',
    functionName: 'destinations',
    access: ['reviewer', 'admin'],
  },
  { method: 'GET', path: '/v1/reviews', functionName: 'reviews', access: ['reviewer', 'admin'] },
  { method: 'POST', path: '/v1/reviews/{reviewId}/resolve', functionName: 'reviews', access: ['reviewer', 'admin'] },
  { method: 'GET', path: '/v1/accounts/{accountId}/audit', functionName: 'audit', access: ['reviewer', 'admin'] },
  { method: 'GET', path: '/v1/audit', functionName: 'audit', access: ['admin'] },
  { method: 'POST', path: '/v1/accounts/{accountId}/webhook-secret', functionName: 'webhook-secret', access: ['customer', 'admin'] },
];
