/**
 * Where the Lambda entries live. infra/ points at handlers by path and never imports them: every function is
 * `functions/<name>/handler.ts` exporting `handler`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root: infra/ sits directly under it. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export function handlerEntry(functionName: string): string {
  return fileURLToPath(new URL(`../functions/${functionName}/handler.ts`, import.meta.url));
}

export function hasHandler(functionName: string): boolean {
  return existsSync(handlerEntry(functionName));
}

/** Throws one error naming every missing entry, instead of NodejsFunction's first-one-wins message. */
export function assertHandlersExist(functionNames: Iterable<string>): void {
  const missing = [...new Set(functionNames)].filter((name) => !hasHandler(name));
  if (missing.length > 0) {
    throw new Error(
      `Tollgate: no handler for ${missing.map((name) => `functions/${name}/handler.ts`).join(', ')}. ` +
        'Every function named in domain/contract/routes.ts or domain/events/routing.ts, and the authorizer, needs one.',
    );
  }
}
