/**
 * PUT /v1/rate-deck (admin, text/csv) imports a new version: every bad row is reported with its line number and
 * nothing is applied unless the whole file is valid. GET shows the current version.
 */
import { parseRateDeckCsv } from '../../domain/rate-deck/rate-deck.js';
import { RateDeck } from '../../domain/rate-deck/rate-deck.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { Clock, IdGenerator } from '../../domain/shared/ports.js';
import type { Logger } from '../shared/logger.js';
import type { ReferenceDataInstaller, ReferenceDataStore } from '../../domain/rate-deck/ports.js';

export interface RateDeckPorts {
  readonly referenceDataRepository: Pick<ReferenceDataStore, 'currentRateDeckVersion' | 'saveRateDeck'>;
  readonly referenceData: Pick<ReferenceDataInstaller, 'installRateDeck'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
}

export function makeRateDeckEndpoint(ports: RateDeckPorts) {
  return httpEndpoint({ routes: ['PUT /v1/rate-deck', 'GET /v1/rate-deck'] }, async ({ route, rawBody, principal }) => {
    if (route.method === 'GET') {
      const current = await ports.referenceDataRepository.currentRateDeckVersion();
      if (!current) throw httpErrors.notFound('no rate deck has been imported yet');
      return { status: 200, body: current };
    }
    if (rawBody.trim() === '') throw httpErrors.badRequest('a CSV body is required', [{ field: 'body', message: 'is required' }]);
    const parsed = parseRateDeckCsv(rawBody);
    if (!parsed.ok) {
      throw httpErrors.badRequest(`the rate deck has ${parsed.errors.length} invalid row(s); nothing was imported`,
        parsed.errors.slice(0, 500).map((problem) => ({
          field: `line ${problem.line}${problem.field ? `: ${problem.field}` : ''}`,
          message: problem.message,
        })),
      );
    }
    const now = ports.clock.now();
    const info = {
      version: `${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${ports.ids.newId().slice(0, 8)}`,
      entries: parsed.entries.length,
      importedAt: now.toISOString(),
      importedBy: principal?.credentialId ?? 'unknown',
    };
    await ports.referenceDataRepository.saveRateDeck(parsed.entries, info);
    ports.referenceData.installRateDeck(new RateDeck(parsed.entries, info.version));
    ports.logger.info('rate deck imported', info);
    return { status: 200, body: info };
  });
}

