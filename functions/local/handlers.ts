/** Every HTTP function of the contract, by name, built on one set of dependencies for the local stack. */
import type { FunctionName } from '../../domain/contract/routes.js';
import { makeHandler as accounts } from '../accounts/handler.js';
import { makeHandler as authorize } from '../authorize/handler.js';
import { makeHandler as credentials } from '../credentials/handler.js';
import { makeHandler as credits } from '../credits/handler.js';
import { makeHandler as decisions } from '../decisions/handler.js';
import { handler as health } from '../health/handler.js';
import { makeHandler as highRiskPrefixes } from '../high-risk-prefixes/handler.js';
import { makeHandler as policy } from '../policy/handler.js';
import { makeHandler as rateDeck } from '../rate-deck/handler.js';
import type { ApiHandler } from '../shared/http.js';
import type { Dependencies } from '../shared/wiring.js';

export function buildHttpHandlers(deps: Dependencies): Record<FunctionName, ApiHandler> {
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
  };
}
