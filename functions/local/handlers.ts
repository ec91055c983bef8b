/** Every HTTP function of the contract, by name, each composed by its own root on the local stack's Runtime. */
import { ROUTES, type FunctionName } from '../../domain/contract/routes.js';
import { compose as accounts } from '../accounts/handler.js';
import { compose as accountStatus } from '../account-status/handler.js';
import { compose as accountReset } from '../account-reset/handler.js';
import { compose as whatIf } from '../what-if/handler.js';
import { compose as audit } from '../audit/handler.js';
import { compose as authFailures } from '../auth-failures/handler.js';
import { compose as authorize } from '../authorize/handler.js';
import { compose as bans } from '../bans/handler.js';
import { compose as callCompleted } from '../call-completed/handler.js';
import { compose as callInterim } from '../call-interim/handler.js';
import { compose as calls } from '../calls/handler.js';
import { compose as carrierPolicy } from '../carrier-policy/handler.js';
import { compose as credentials } from '../credentials/handler.js';
import { compose as credits } from '../credits/handler.js';
import { compose as decisions } from '../decisions/handler.js';
import { compose as destinations } from '../destinations/handler.js';
import { handler as health } from '../health/handler.js';
import { compose as highRiskPrefixes } from '../high-risk-prefixes/handler.js';
import { handler as openapi } from '../openapi/handler.js';
import { compose as policy } from '../policy/handler.js';
import { compose as rangeRestrictions } from '../range-restrictions/handler.js';
import { compose as rateDeck } from '../rate-deck/handler.js';
import { compose as reviews } from '../reviews/handler.js';
import { compose as webhookSecret } from '../webhook-secret/handler.js';
import type { RoutedApiHandler } from '../shared/http.js';
import type { Runtime } from '../shared/runtime.js';

export function buildHttpHandlers(runtime: Runtime): Record<FunctionName, RoutedApiHandler> {
  return assertEachServesItsRoutes({
    health,
    authorize: authorize(runtime),
    accounts: accounts(runtime),
    policy: policy(runtime),
    credits: credits(runtime),
    decisions: decisions(runtime),
    'rate-deck': rateDeck(runtime),
    'high-risk-prefixes': highRiskPrefixes(runtime),
    credentials: credentials(runtime),
    'call-completed': callCompleted(runtime),
    'call-interim': callInterim(runtime),
    calls: calls(runtime),
    'account-status': accountStatus(runtime),
    'account-reset': accountReset(runtime),
    'what-if': whatIf(runtime),
    'carrier-policy': carrierPolicy(runtime),
    destinations: destinations(runtime),
    'auth-failures': authFailures(runtime),
    bans: bans(runtime),
    'range-restrictions': rangeRestrictions(runtime),
    reviews: reviews(runtime),
    audit: audit(runtime),
    'webhook-secret': webhookSecret(runtime),
    openapi,
  });
}

/**
 * Each function's endpoint declares the routes it serves (by their registry key, domain/contract/http-schemas.ts):
 * they must be exactly the routes the route table gives it, or a request would reach an endpoint that does not
 * validate it. Checked when the local stack starts, so every integration test would fail on such a drift.
 */
export function assertEachServesItsRoutes<T extends Record<string, RoutedApiHandler>>(handlers: T): T {
  const problems: string[] = [];
  for (const [name, handler] of Object.entries(handlers)) {
    const expected = ROUTES.filter((route) => route.functionName === name).map((route) => `${route.method} ${route.path}`).sort();
    const declared = [...handler.routeKeys].sort();
    if (expected.join('\n') !== declared.join('\n')) problems.push(`functions/${name} declares [${declared.join(', ')}] but serves [${expected.join(', ')}]`);
  }
  if (problems.length > 0) throw new Error(`httpEndpoint routes drift from domain/contract/routes.ts: ${problems.join('; ')}`);
  return handlers;
}
