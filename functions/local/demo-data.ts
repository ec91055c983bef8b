/**
 * Demo data for `npm start`: the sample rate deck, a starter high-risk list, one demo account with a balance,
 * and credentials. Loading is idempotent: a kept data directory is reused as it is.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { accountPolicySchema } from '../../domain/accounts/account.js';
import { parseRateDeckCsv } from '../../domain/rate-deck/rate-deck.js';
import { toMicros } from '../../domain/shared/money.js';
import { generateToken } from '../adapters/dynamodb/credential-repository.js';
import type { Dependencies } from '../shared/wiring.js';

export const DEMO_ACCOUNT_ID = 'demo-pbx';
export const DEMO_TECH_PREFIX = '12345678';
const SAMPLE_DECK = fileURLToPath(new URL('../../data/ratedeck-sample.csv', import.meta.url));

/**
 * Satellite and international-network ranges (+881/+882/+883) are the classic IRSF targets; the carrier replaces
 * this list with its own feed through PUT /v1/high-risk-prefixes.
 */
export const STARTER_HIGH_RISK_PREFIXES = ['881', '882', '883', '870', '979'];

export interface DemoData {
  readonly accountId: string;
  readonly switchToken: string;
  readonly customerToken: string;
}

export async function loadDemoData(deps: Dependencies): Promise<DemoData> {
  const now = deps.clock.now().toISOString();
  if (!(await deps.referenceDataRepository.currentRateDeckVersion())) {
    const parsed = parseRateDeckCsv(readFileSync(SAMPLE_DECK, 'utf8'));
    if (!parsed.ok) throw new Error(`the sample rate deck does not parse: ${JSON.stringify(parsed.errors)}`);
    await deps.referenceDataRepository.saveRateDeck(parsed.entries, { version: 'sample-1', entries: parsed.entries.length, importedAt: now, importedBy: 'demo-data' });
  }
  if ((await deps.referenceDataRepository.loadHighRiskList()).version === 0) {
    await deps.referenceDataRepository.saveHighRiskList(STARTER_HIGH_RISK_PREFIXES, now, 'demo-data');
  }
  if (!(await deps.accounts.get(DEMO_ACCOUNT_ID))) {
    await deps.accounts.create({ accountId: DEMO_ACCOUNT_ID, name: 'Demo PBX', homeCountry: 'US', techPrefix: DEMO_TECH_PREFIX, sipUsernames: ['demo'] }, now);
    await deps.accounts.replacePolicy(
      DEMO_ACCOUNT_ID,
      accountPolicySchema.parse({
        allowedIps: ['127.0.0.1', '::1'],
        maxRatePerMinute: 0.05,
        internationalEnabled: true,
        whitelistCountries: ['CA', 'GB'],
      }),
    );
    await deps.accounts.credit(DEMO_ACCOUNT_ID, toMicros(25));
  }
  const switchCredential = generateToken();
  await deps.credentials.save(switchCredential.token, { role: 'switch', credentialId: switchCredential.credentialId }, now, 'demo switch');
  const customerCredential = generateToken();
  await deps.credentials.save(customerCredential.token, { role: 'customer', credentialId: customerCredential.credentialId, accountId: DEMO_ACCOUNT_ID }, now, 'demo customer');
  return { accountId: DEMO_ACCOUNT_ID, switchToken: switchCredential.token, customerToken: customerCredential.token };
}
