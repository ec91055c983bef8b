/** What a policy change changed: the top-level policy fields whose value differs, for the audit trail and the event. */

export function changedPolicyFields<T extends object>(before: T, after: T): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names]
    .filter((name) => canonicalJson((before as Record<string, unknown>)[name]) !== canonicalJson((after as Record<string, unknown>)[name]))
    .sort();
}

/** JSON with object keys sorted, so that key order never reads as a change. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  ) ?? 'undefined';
}
