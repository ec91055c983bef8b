/** PUT /v1/high-risk-prefixes (admin) replaces the carrier-wide list (IRSF ranges, satellite, premium); GET shows it. */
import * as z from 'zod';
import { PrefixSet } from '../../domain/policy/prefix-set.js';
import { httpEndpoint } from '../shared/http.js';
import { dependencies, resolve, type DependencySource } from '../shared/wiring.js';

const listSchema = z
  .object({ prefixes: z.array(z.string().regex(/^\d{1,15}$/, 'must be 1 to 15 digits (an E.164 prefix without "+")')).max(100_000) })
  .strict();

export function makeHandler(source: DependencySource) {
  return httpEndpoint({ body: listSchema }, async ({ route, body, principal }) => {
    const deps = resolve(source);
    if (route.method === 'GET') return { status: 200, body: await deps.referenceDataRepository.loadHighRiskList() };
    const prefixes = [...new Set(body.prefixes)].sort();
    const saved = await deps.referenceDataRepository.saveHighRiskList(prefixes, deps.clock.now().toISOString(), principal?.credentialId ?? 'unknown');
    deps.referenceData.installHighRisk(new PrefixSet(prefixes), String(saved.version));
    deps.logger.info('high-risk list replaced', { prefixes: prefixes.length, version: saved.version });
    return { status: 200, body: saved };
  });
}

export const handler = makeHandler(dependencies);
