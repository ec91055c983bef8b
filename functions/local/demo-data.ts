/**
 * Demo data for `npm start`: the sample rate deck, a starter high-risk list, one demo account with a balance,
 * and two credentials (a switch, the demo customer). Loading is idempotent: a kept data directory is reused as it is,
 * demo tokens included.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { accountPolicySchema } from '../../domain/accounts/account.js';
import { parseRateDeckCsv } from '../../domain/rate-deck/rate-deck.js';
import { toMicros } from '../../domain/shared/money.js';
import { generateToken } from '../adapters/dynamodb/credential-repository.js';
import type { LocalAdapters } from './local-adapters.js';

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

export interface DemoDataOptions {
  /** Where the demo tokens are kept between starts (in the data directory); without it they are new at every load. */
  readonly credentialsFile?: string;
}

export async function loadDemoData(adapters: LocalAdapters, options: DemoDataOptions = {}): Promise<DemoData> {
  const now = adapters.clock.now().toISOString();
  if (!(await adapters.referenceDataRepository.currentRateDeckVersion())) {
    const parsed = parseRateDeckCsv(readFileSync(SAMPLE_DECK, 'utf8'));
    if (!parsed.ok) throw new Error(`the sample rate deck does not parse: ${JSON.stringify(parsed.errors)}`);
    await adapters.referenceDataRepository.saveRateDeck(parsed.entries, { version: 'sample-1', entries: parsed.entries.length, importedAt: now, importedBy: 'demo-data' });
  }
  if ((await adapters.referenceDataRepository.loadHighRiskList()).version === 0) {
    await adapters.referenceDataRepository.saveHighRiskList(STARTER_HIGH_RISK_PREFIXES, now, 'demo-data');
  }
  if (!(await adapters.accounts.get(DEMO_ACCOUNT_ID))) {
    await adapters.accounts.create({ accountId: DEMO_ACCOUNT_ID, name: 'Demo PBX', homeCountry: 'US', techPrefix: DEMO_TECH_PREFIX, sipUsernames: ['demo'] }, now);
    await adapters.accounts.replacePolicy(
      DEMO_ACCOUNT_ID,
      accountPolicySchema.parse({
        allowedIps: ['127.0.0.1', '::1'],
        maxRatePerMinute: 0.05,
        internationalEnabled: true,
        whitelistCountries: ['CA', 'GB'],
      }),
    );
    await adapters.accounts.credit(DEMO_ACCOUNT_ID, toMicros(25));
  }
  const tokens = await demoTokens(adapters, options.credentialsFile);
  return { accountId: DEMO_ACCOUNT_ID, switchToken: tokens.switchToken, customerToken: tokens.customerToken };
}

const DEMO_CREDENTIALS = {
  switchToken: { credentialId: 'demo-switch', role: 'switch', label: 'demo switch' },
  customerToken: { credentialId: 'demo-customer', role: 'customer', accountId: DEMO_ACCOUNT_ID, label: 'demo customer' },
} as const;

const demoTokensSchema = z.object({ switchToken: z.string().min(1), customerToken: z.string().min(1) });

/**
 * The demo tokens kept in the data directory are reused while they still authenticate as the demo credentials;
 * otherwise new ones replace the demo credentials (fixed ids), so restarts never add credentials.
 */
async function demoTokens(adapters: LocalAdapters, credentialsFile: string | undefined): Promise<z.infer<typeof demoTokensSchema>> {
  const now = adapters.clock.now();
  const kept = credentialsFile ? readKeptTokens(credentialsFile) : undefined;
  if (kept?.success) {
    const [switchPrincipal, customerPrincipal] = await Promise.all([adapters.credentials.findByToken(kept.data.switchToken, now), adapters.credentials.findByToken(kept.data.customerToken, now)]);
    if (switchPrincipal?.credentialId === DEMO_CREDENTIALS.switchToken.credentialId && customerPrincipal?.credentialId === DEMO_CREDENTIALS.customerToken.credentialId) return kept.data;
  }
  const tokens = { switchToken: generateToken().token, customerToken: generateToken().token };
  for (const name of ['switchToken', 'customerToken'] as const) {
    await adapters.credentials.replace(tokens[name], { ...DEMO_CREDENTIALS[name], createdAt: now.toISOString(), expiresAt: null });
  }
  if (credentialsFile) writeFileSync(credentialsFile, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  return tokens;
}

/** The tokens of the last start, if the file is there and readable; a damaged file just means new tokens. */
function readKeptTokens(file: string) {
  if (!existsSync(file)) return undefined;
  try {
    return demoTokensSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}
