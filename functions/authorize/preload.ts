/**
 * Loading the reference data during Lambda's init phase: with provisioned concurrency that phase runs before the
 * environment takes traffic, so the first call a switch sends is not the one that waits for the rate deck.
 * Whatever fails or is late here is only logged: the caches load on the first call as before (and a copy loaded here
 * is still re-checked against its version pointer when it is older than TOLLGATE_REFERENCE_REFRESH_SECONDS).
 */
import type { Logger } from '../shared/logger.js';

export interface Preload {
  readonly what: string;
  readonly load: () => Promise<unknown>;
}

/** How long the init phase waits for the loads (Lambda allows 10 s of init; the deck loads in well under a second). */
export const PRELOAD_TIMEOUT_MS = 3_000;

/** In Lambda (`AWS_LAMBDA_FUNCTION_NAME` set) unless `TOLLGATE_PRELOAD=false`; never in the local stack or the tests. */
export function preloadEnabled(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME) && env.TOLLGATE_PRELOAD !== 'false';
}

/** Runs the loads together and resolves when all are done or after `timeoutMs`; never rejects. */
export async function preload(loads: readonly Preload[], logger: Pick<Logger, 'info' | 'warn'>, timeoutMs = PRELOAD_TIMEOUT_MS): Promise<void> {
  const startedAt = Date.now();
  const settled = Promise.all(
    loads.map(({ what, load }) =>
      load().then(
        () => true,
        (error: unknown) => {
          logger.warn(`could not preload the ${what} at init; it loads on the first call`, { error: String(error) });
          return false;
        },
      ),
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((done) => {
    timer = setTimeout(() => done('late'), timeoutMs);
    timer.unref();
  });
  const outcome = await Promise.race([settled, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    logger.warn('reference data not loaded within the init budget; it loads on the first call', { timeoutMs });
    return;
  }
  logger.info('reference data preloaded at init', { loaded: outcome.filter(Boolean).length, of: loads.length, ms: Date.now() - startedAt });
}
