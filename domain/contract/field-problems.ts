/**
 * How a schema's complaints become the API's 400 `details`: one `{ field, message }` per bad field, named by its
 * dotted path; an unknown field says "is not a known field", a missing one "is required" whatever its type. Pure (zod
 * only): the HTTP edge (functions/shared/http.ts) and the console's policy editor (console/src/logic.ts) use this one
 * function, so the editor names a field exactly as the API would.
 */
import type * as z from 'zod';

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** One entry per bad field, named by its dotted path; a missing field says "is required" whatever its type. */
export function fieldProblems(error: z.ZodError, input: unknown, where: string): FieldProblem[] {
  return error.issues.flatMap((issue): FieldProblem[] => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: path ? `${path}.${key}` : key, message: 'is not a known field' }));
    }
    const missing = issue.path.length > 0 && valueAt(input, issue.path) === undefined;
    return [{ field: path || where, message: missing ? 'is required' : issue.message }];
  });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
