/** Every HTTP function of the contract, by name, built on one set of dependencies for the local stack. */
import type { FunctionName } from '../../domain/contract/routes.js';
import { makeHandler as accounts } from '../accounts/handler.js';
import { makeHandler as accountStatus } from '../account-status/handler.js';
import { makeHandler as callCompleted } from '../call-completed/handler.js';
import { makeHandler as callInterim } from '../call-interim/handler.js';
import { makeHandler as carrierPolicy } from '../carrier-policy/handler.js';
import { makeHandler as calls } from '../calls/handler.js';
import { makeHandler as destinations } from '../destinations/handler.js';
import { makeHandler as authorize } from '../authorize/handler.js';
import { makeHandler as credentials } from '../credentials/handler.js';
import { makeHandler as credits } from '../credits/handler.js';
import { makeHandler as decisions } from '../decisions/handler.js';
import { handler as health } from '../health/handler.js';
import { makeHandler as highRiskPrefixes } from '../high-risk-prefixes/handler.js';
import { makeHandler as policy } from '../policy/handler.js';
import { makeHandler as rateDeck } from '../rate-deck/handler.js';
import { makeHandler as audit } from '../audit/handler.js';
import { makeHandler as authFailures } from '../auth-failures/handler.js';
import { makeHandler as bans } from '../bans/handler.js';
import { makeHandler as reviews } from '../reviews/handler.js';
import { makeHandler as webhookSecret } from '../webhook-secret/handler.js';
import type { ApiHandler } from '../shared/http.js';
import type { Dependencies } from '../shared/wiring.js';

/** Functions not built yet are absent; the local server answers 501 for their routes. */
export function buildHttpHandlers(deps: Dependencies): Partial<Record<FunctionName, ApiHandler>> {
  return {
    health,
    authorize: authorize(deps),
    accounts: accounts(deps),
    policy: policy(deps),
    credits: credits(deps),
    decisions: decisions(deps),
    'rate-deck': rateDeck(deps),
    'high-risk-prefixes': highRiskPrefixes(deps),
    credentials: credentials(deps),
    'call-completed': callCompleted(deps),
    'call-interim': callInterim(deps),
    calls: calls(deps),
    'account-status': accountStatus(deps),
    'carrier-policy': carrierPolicy(deps),
    destinations: destinations(deps),
    'auth-failures': authFailures(deps),
    bans: bans(deps),
    reviews: reviews(deps),
    audit: audit(deps),
    'webhook-secret': webhookSecret(deps),
  };
}
