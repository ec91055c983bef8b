/**
 * Records are parsed when they are read. An item this code cannot read (a field missing, a status it does not know,
 * a number stored as text) is refused with an error naming the record and each bad field, instead of being read as
 * a default: an unknown ban end read as "not banned", or an unknown review status read as "open", would be a silent
 * wrong decision. The error is not meant for the caller: the HTTP edge logs it and answers 500, a consumer retries
 * and then dead-letters.
 */
import type * as z from 'zod';

export class StoredRecordError extends Error {
  override readonly name = 'StoredRecordError';

  constructor(
    readonly record: string,
    readonly problems: readonly string[],
  ) {
    super(`stored ${record} cannot be read: ${problems.join('; ')}`);
  }
}

/** `record` names the item in the error (kind and id); it must not contain secrets such as a token hash. */
export function parseStored<T>(schema: z.ZodType<T>, item: Record<string, unknown>, record: string): T {
  const result = schema.safeParse(item);
  if (result.success) return result.data;
  throw new StoredRecordError(
    record,
    result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(item)'}: ${issue.message}`),
  );
}
