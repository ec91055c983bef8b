/** PUT /v1/high-risk-prefixes (admin) replaces the carrier-wide list (IRSF ranges, satellite, premium); GET shows it. */
import { PrefixSet } from '../../domain/policy/prefix-set.js';
import { httpEndpoint } from '../shared/http.js';
import type { Clock } from '../../domain/shared/ports.js';
import type { Logger } from '../shared/logger.js';
import type { ReferenceDataInstaller, ReferenceDataStore } from '../../domain/rate-deck/ports.js';

export interface HighRiskPrefixesPorts {
  readonly referenceDataRepository: Pick<ReferenceDataStore, 'loadHighRiskList' | 'saveHighRiskList'>;
  readonly referenceData: Pick<ReferenceDataInstaller, 'installHighRisk'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

export function makeHighRiskPrefixesEndpoint(ports: HighRiskPrefixesPorts) {
  return httpEndpoint({ routes: ['PUT /v1/high-risk-prefixes', 'GET /v1/high-risk-prefixes'] }, async ({ route, body, principal }) => {
    if (route.method === 'GET') return { status: 200, body: await ports.referenceDataRepository.loadHighRiskList() };
    const prefixes = [...new Set(body.prefixes)].sort();
    const saved = await ports.referenceDataRepository.saveHighRiskList(prefixes, ports.clock.now().toISOString(), principal?.credentialId ?? 'unknown');
    ports.referenceData.installHighRisk(new PrefixSet(prefixes), String(saved.version));
    ports.logger.info('high-risk list replaced', { prefixes: prefixes.length, version: saved.version });
    return { status: 200, body: saved };
  });
}

